"""Files written whole or not at all: a temporary file beside the target, then a rename."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hwcli.errors import InputError


def write_text_atomically(path: Path, text: str, overwrite: bool = True) -> None:
    """Write `text` to `path`; a failure leaves any earlier `path` as it was, and no temporary file."""
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"{path}: no such folder {folder}")
    if not overwrite and path.exists():
        raise InputError(f"{path}: already exists; not overwriting it (choose another name)")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise InputError(f"{path}: cannot write in {folder}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from the student's other tools
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise InputError(f"{path}: cannot write: {e.strerror}") from None
    except BaseException:
        os.unlink(tmp)
        raise
