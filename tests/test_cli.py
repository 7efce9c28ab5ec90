from conftest import run_hw4


def test_bare_hw4_shows_help_and_succeeds(cli):
    result = cli()
    assert result.code == 0
    assert "Usage" in result.out


def test_unknown_command_is_one_line_exit_2(cli):
    result = cli("no-such-command")
    assert result.code == 2
    assert result.err.strip().splitlines() == ["error: hw4: No such command 'no-such-command'."]


def test_version_as_a_module():
    result = run_hw4("--version")
    assert result.code == 0
    assert result.out.startswith("hw4 ")


def test_only_the_command_asked_for_is_built():
    from hwcli.cli import _app_for, app

    lean = _app_for(["shapes", "--json"])
    assert [c.callback.__name__ for c in lean.registered_commands] == ["shapes"]
    assert _app_for(["--help"]) is app and _app_for([]) is app and _app_for(["shapez"]) is app


def test_every_command_is_listed_and_runs_its_help(cli):
    listing = cli("--help").out
    for name in ("grad", "shapes", "flops", "softmax", "train-numpy", "nowcast-data", "train-nowcast",
                 "check", "check-net", "report"):
        assert name in listing
        assert cli(name, "--help").code == 0
