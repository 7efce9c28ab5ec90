"""Files written whole or not at all (a temporary file beside the target, then a rename), and
output folders checked before any work is done. Every command that writes uses these."""
from __future__ import annotations

import contextlib
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from hwcli.errors import InputError


def make_out_dir(path: Path, option: str = "--out") -> Path:
    """`path` as a folder to write into (made if needed), or a one-line error naming the option."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"{option} {path}: cannot create the folder ({e.strerror or e})") from None
    if not os.access(path, os.W_OK):
        raise InputError(f"{option} {path}: the folder is not writable")
    return path


@contextmanager
def atomic_write(path: Path, mode: str = "wb") -> Iterator[IO]:
    """A file object whose content replaces `path` only once the block succeeds.

    A crash, an exception or Ctrl-C midway leaves any earlier `path` intact and no temporary file.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _new_file_mode())  # mkstemp makes it private to its owner
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str, overwrite: bool = True) -> None:
    """`text` into `path` atomically; a missing folder or a write error is a one-line error."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"{path}: no such folder {path.parent}")
    if not overwrite and path.exists():
        raise InputError(f"{path}: already exists; not overwriting it (choose another name)")
    try:
        with atomic_write(path, "w") as f:
            f.write(text)
    except OSError as e:
        raise InputError(f"{path}: cannot write: {e.strerror or e}") from None


def save_png(path: Path, figure, dpi: int = 100) -> None:
    """A matplotlib figure as a PNG, rendered in memory first so that no half-drawn file appears."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    with atomic_write(path) as f:
        f.write(buffer.getbuffer())


def _new_file_mode() -> int:
    """The mode open() would give a new file: 0o666 less the umask, which only os.umask reveals."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
