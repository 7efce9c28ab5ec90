"""hw4 shapes and hw4 flops: T2 and OT1 by hand, PyTorch's exact rules, spec errors."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import assert_user_error
from hwcli.basics.costs import cost_report
from hwcli.basics.crosscheck import run_in_torch
from hwcli.basics.network import Layer, network_from_dict, t2_network
from hwcli.basics.shapes import feature_map_sizes, output_length
from hwcli.errors import InputError


def test_t2_sizes_by_hand():
    report = feature_map_sizes(t2_network())
    sizes = {layer.name: layer.shape for layer in report.layers}
    # A: 100-3+1 = 98; B: 98-3+1 = 96; C: floor((96-5)/2)+1 = 46; D: 100-5+1 = 96; E: 1x1 keeps 96
    assert sizes == {"A": (98, 98, 5), "B": (96, 96, 10), "C": (46, 46, 10), "D": (96, 96, 10), "E": (96, 96, 5)}
    assert report.layer("A").formula == "floor((100 - 3 + 2*0)/1) + 1 = 98"
    assert report.layer("B").receptive_field == (5, 5) == report.layer("D").receptive_field
    assert report.layer("C").receptive_field == (9, 9) and report.layer("C").effective_stride == (2, 2)
    assert "last 1 row" in report.layer("C").note  # (96 - 5) is odd: one row and column never read
    assert report.layer("A").note == ""


def test_ot1_by_hand():
    report = cost_report(t2_network())
    a, b, d = (report.layer(n) for n in "ABD")
    assert a.multiplies == 98 * 98 * 5 * (3 * 3 * 3) == 1_296_540
    assert b.multiplies == 96 * 96 * 10 * (3 * 3 * 5) == 4_147_200
    assert d.multiplies == 96 * 96 * 10 * (5 * 5 * 3) == 6_912_000
    assert (a.params, b.params, d.params) == (3 * 3 * 3 * 5 + 5, 3 * 3 * 5 * 10 + 10, 5 * 5 * 3 * 10 + 10)
    assert a.additions == 98 * 98 * 5 * 26 and a.bias_additions == 98 * 98 * 5
    assert a.flops == 2 * a.macs
    c = report.layer("C")
    assert c.multiplies == 0 and c.params == 0 and c.comparisons == 46 * 46 * 10 * 24
    cmp = report.comparison
    assert (cmp.multiplies_left, cmp.multiplies_right) == (5_443_740, 6_912_000)
    assert (cmp.params_left, cmp.params_right) == (600, 760)
    assert cmp.multiplies_ratio == pytest.approx(6_912_000 / 5_443_740)
    assert "fewer multiplies" in cmp.conclusion and "same 5x5 region of the input" in cmp.conclusion
    assert "is the Inception v2 argument" in cmp.conclusion


def test_only_chains_over_the_same_region_make_the_inception_argument():
    # E (1x1 after D) is cheaper than B, and sees 5x5 of the input too, but it is not a chain from B's source
    cmp = cost_report(t2_network(), compare_spec="E:B").comparison
    assert "not the Inception v2 comparison" in cmp.conclusion
    cmp = cost_report(t2_network(), compare_spec="B:D").comparison  # B alone reads A, not the input
    assert "is the Inception v2 argument" not in cmp.conclusion


def test_no_bias_counts():
    report = cost_report(t2_network(), bias=False)
    assert report.layer("A").params == 135 and report.layer("A").bias_additions == 0
    assert (report.comparison.params_left, report.comparison.params_right) == (585, 750)


def test_conventions_differ_as_documented():
    report = cost_report(t2_network())
    by_tool = {c.tool: c.total for c in report.conventions}
    macs = sum(c.macs for c in report.layers)
    assert by_tool["thop / fvcore"] == macs
    assert by_tool["torch FlopCounterMode"] == 2 * macs
    assert by_tool["torchinfo (mult-adds)"] == macs + sum(c.bias_additions for c in report.layers)
    assert by_tool["ptflops"] == by_tool["torchinfo (mult-adds)"] + 96 * 96 * 10  # + the pool's input


def test_torch_agrees_on_t2_sizes_and_flops():
    network = t2_network()
    measured = run_in_torch(network, count_flops=True)
    report = cost_report(network)
    for layer, cost in zip(feature_map_sizes(network).layers, report.layers):
        shape, flops = measured[layer.name]
        assert shape == layer.shape
        assert flops == cost.flops


# ---- PyTorch's exact rules, over thousands of random layers

@st.composite
def layers(draw, max_kernel=11, max_stride=5, max_dilation=4):
    kind = draw(st.sampled_from(["conv", "maxpool", "avgpool"]))
    k = draw(st.integers(1, max_kernel))
    s = draw(st.integers(1, max_stride))
    if kind == "conv":
        d = draw(st.integers(1, max_dilation))
        same = draw(st.booleans()) and s == 1
        p = "same" if same else draw(st.integers(0, 6))
        return Layer("L", kind, "input", (k, k), (s, s), p if same else (p, p), filters=1, dilation=(d, d))
    p = draw(st.integers(0, k // 2))
    return Layer("L", kind, "input", (k, k), (s, s), (p, p), ceil_mode=draw(st.booleans()))


def every_small_layer():
    """All conv and pool configurations with kernel <= 5, stride <= 3, padding <= 3, dilation <= 3."""
    for k in range(1, 6):
        for s in range(1, 4):
            for d in range(1, 4):
                for p in [*range(4), "same"] if s == 1 else range(4):
                    yield Layer("L", "conv", "input", (k, k), (s, s), p if p == "same" else (p, p), 1, (d, d))
            for kind in ("maxpool", "avgpool"):
                for p in range(k // 2 + 1):
                    for ceil in (False, True):
                        yield Layer("L", kind, "input", (k, k), (s, s), (p, p), ceil_mode=ceil)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # torch's note on speed
def test_output_length_matches_torch_on_every_small_configuration():
    checked = 0
    for layer in every_small_layer():
        for n in range(1, 33):
            assert torch_length(layer, n) == our_length(layer, n), (layer, n)
            checked += 1
    assert checked > 10_000


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@settings(max_examples=1000)
@given(layer=layers(), n=st.integers(1, 300))
def test_output_length_matches_torch(layer, n):
    assert torch_length(layer, n) == our_length(layer, n), (layer, n)


def our_length(layer, n):
    try:
        return output_length(n, layer, 0).length
    except ValueError:
        return None  # refused: the kernel does not fit, or no output is left


def torch_length(layer, n):
    x = torch.zeros(1, 1, n, 1 + 2 * layer.kernel[0] * layer.dilation[0])
    try:
        with torch.no_grad():
            if layer.is_conv:
                w = torch.zeros(1, 1, *layer.kernel)
                y = F.conv2d(x, w, stride=layer.stride, padding=layer.padding if layer.padding == "same"
                             else layer.padding, dilation=layer.dilation)
            elif layer.type == "maxpool":
                y = F.max_pool2d(x, layer.kernel, layer.stride, layer.padding, ceil_mode=layer.ceil_mode)
            else:
                y = F.avg_pool2d(x, layer.kernel, layer.stride, layer.padding, ceil_mode=layer.ceil_mode)
        return y.shape[2] if y.shape[2] > 0 else None
    except RuntimeError:
        return None


@settings(max_examples=200)
@given(h=st.integers(8, 30), w=st.integers(8, 30), c=st.integers(1, 4),
       k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2), d=st.integers(1, 2),
       pool_k=st.integers(1, 3), ceil=st.booleans())
def test_random_two_branch_networks_match_torch(h, w, c, k, s, p, d, pool_k, ceil):
    spec = {"input": [h, w, c], "layers": [
        {"name": "a", "type": "conv", "filters": 3, "kernel": [k, k + 1], "stride": [s, 1], "padding": [p, 0],
         "dilation": d},
        {"name": "b", "type": "maxpool", "kernel": pool_k, "ceil_mode": ceil, "padding": pool_k // 2},
        {"name": "c", "type": "avgpool", "kernel": [2, 1], "from": "input", "stride": 1},
    ]}
    try:
        network = network_from_dict(spec)
        report = feature_map_sizes(network)
    except InputError:
        assume(False)
    measured = run_in_torch(network, count_flops=True)
    costs = cost_report(network, compare_spec=None)
    for layer, cost in zip(report.layers, costs.layers):
        assert measured[layer.name] == (layer.shape, cost.flops)


# ---- spec files

def write(tmp_path, text):
    path = tmp_path / "net.toml"
    path.write_text(text)
    return path


def test_spec_file_defaults_and_branches(tmp_path):
    path = write(tmp_path, """
input = [32, 32, 3]
[[layers]]
name = "c1"
type = "conv"
filters = 8
kernel = 3
padding = "same"
[[layers]]
name = "p1"
type = "maxpool"
kernel = 2
[[layers]]
name = "c2"
type = "conv"
filters = 4
kernel = [1, 3]
from = "input"
bias = false
""")
    from hwcli.basics.network import load_network

    network = load_network(path)
    assert network.layer("p1").stride == (2, 2)  # pools default to stride = kernel
    assert network.layer("c2").source == "input" and not network.layer("c2").bias
    report = feature_map_sizes(network)
    assert [l.shape for l in report.layers] == [(32, 32, 8), (16, 16, 8), (32, 30, 4)]
    assert cost_report(network, compare_spec=None).layers[2].params == 3 * 3 * 4


@pytest.mark.parametrize("body, fragments", [
    ('[[layers]]\nname="a"\ntype="conv"\nfilters=2\nkernel=7', ["layer 'a'", "larger than the padded input"]),
    ('[[layers]]\nname="a"\ntype="conv"\nfilters=2\nkernel=3\nfrom="zz"', ["layer 'a'", "'from' names 'zz'"]),
    ('[[layers]]\nname="a"\ntype="conv"\nfilters=0\nkernel=3', ["layer 'a'", "filters must be a positive"]),
    ('[[layers]]\nname="a"\ntype="conv"\nfilter=1\nkernel=3', ["layer 'a'", "unknown key 'filter'"]),
    ('[[layers]]\nname="a"\ntype="dense"\nkernel=3', ["layer 'a'", "'type' must be one of"]),
    ('[[layers]]\nname="a"\ntype="maxpool"\nkernel=2\npadding=2', ["layer 'a'", "more than half the kernel"]),
    ('[[layers]]\nname="a"\ntype="conv"\nfilters=1\nkernel=3\nstride=2\npadding="same"', ["needs stride 1"]),
    ('[[layers]]\nname="a"\ntype="conv"\nfilters=1\nkernel=-3', ["kernel must be positive"]),
    ('[[layers]]\nname="a"\ntype="conv"\nfilters=1\nkernel=3\n[[layers]]\nname="a"\ntype="conv"\nfilters=1\nkernel=1',
     ["layer 'a'", "already used"]),
])
def test_spec_errors_through_the_cli(cli, tmp_path, body, fragments):
    path = write(tmp_path, "input = [5, 5, 3]\n" + body + "\n")
    for command in ("shapes", "flops"):
        assert_user_error(cli(command, "--spec", path), "net.toml", *fragments)


def test_unreadable_and_malformed_spec_files(cli, tmp_path):
    assert_user_error(cli("shapes", "--spec", tmp_path / "missing.toml"), "missing.toml", "cannot read")
    assert_user_error(cli("shapes", "--spec", tmp_path), "cannot read")
    assert_user_error(cli("shapes", "--spec", write(tmp_path, "input = [5, 5")), "not valid TOML")
    assert_user_error(cli("shapes", "--spec", write(tmp_path, "input = [5, 0, 3]\n[[layers]]\ntype='conv'")),
                      "input must be a positive integer")
    assert_user_error(cli("shapes", "--spec", write(tmp_path, "input = [5, 5, 3]")), "no [[layers]]")
    assert_user_error(cli("shapes", "--spec", write(tmp_path, "input = [1" + "0" * 5000 + ", 5, 3]")),
                      "not valid TOML")
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00")
    assert_user_error(cli("shapes", "--spec", tmp_path / "bin.toml"), "bin.toml")


# ---- through the real CLI

def test_cli_shapes_json_and_verify(cli):
    data = cli("shapes", "--verify", "--json").json()
    assert data["input"] == [100, 100, 3]
    assert [l["shape"] for l in data["layers"]] == [[98, 98, 5], [96, 96, 10], [46, 46, 10], [96, 96, 10], [96, 96, 5]]
    assert data["layers"][2]["from"] == "B" and data["layers"][2]["receptive_field"] == [9, 9]
    assert data["verification"]["agree"] is True


def test_cli_shapes_table(cli):
    result = cli("shapes")
    assert result.code == 0
    assert "floor((96 - 5 + 2*0)/2) + 1 = 46" in result.out
    assert "46x46x10" in result.out


def test_cli_flops_json_and_compare(cli):
    data = cli("flops", "--json").json()
    by_name = {l["name"]: l for l in data["layers"]}
    assert by_name["D"]["multiplies"] == 6_912_000 and by_name["D"]["params"] == 760
    assert data["comparison"]["multiplies_left"] == 5_443_740
    other = cli("flops", "--compare", "B:E", "--no-bias", "--json").json()["comparison"]
    assert (other["left"], other["right"]) == (["B"], ["E"])
    assert other["params_left"] == 450 and other["params_right"] == 50


def test_cli_flops_verify(cli):
    result = cli("flops", "--verify")
    assert result.code == 0 and "FlopCounterMode" in result.out and "✗" not in result.out


def test_cli_flops_bad_compare(cli):
    assert_user_error(cli("flops", "--compare", "A+Q:D"), "--compare", "no layer named 'Q'")
    assert_user_error(cli("flops", "--compare", "A+B"), "--compare", "A+B:D")


def test_the_example_specs_load_and_t2_matches_the_built_in_figure():
    from conftest import REPO
    from hwcli.basics.network import load_network

    t2 = load_network(REPO / "examples" / "t2.toml")
    assert feature_map_sizes(t2).layers == feature_map_sizes(t2_network()).layers
    assert cost_report(t2).comparison == cost_report(t2_network()).comparison
    inception = load_network(REPO / "examples" / "inception-branches.toml")
    measured = run_in_torch(inception)
    assert all(measured[l.name][0] == l.shape for l in feature_map_sizes(inception).layers)
