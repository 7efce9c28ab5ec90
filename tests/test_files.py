"""Files are replaced whole or not at all; output folders are checked before any work."""
import pytest

from hwcli.files import atomic_write, make_out_dir, write_text
from hwcli.errors import InputError


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "metrics.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as f:
            f.write("half of the new")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_a_finished_write_replaces_the_file(tmp_path):
    target = tmp_path / "weights.npz"
    target.write_bytes(b"old")
    with atomic_write(target) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]


def test_write_text_refuses_to_overwrite_when_asked(tmp_path):
    target = tmp_path / "answers.toml"
    write_text(target, "first")
    with pytest.raises(InputError, match="already exists"):
        write_text(target, "second", overwrite=False)
    assert target.read_text() == "first"
    with pytest.raises(InputError, match="no such folder"):
        write_text(tmp_path / "missing" / "x.md", "text")


def test_make_out_dir_names_the_option(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputError, match="--out .*cannot create the folder"):
        make_out_dir(blocker / "sub")
    assert make_out_dir(tmp_path / "a" / "b").is_dir()
