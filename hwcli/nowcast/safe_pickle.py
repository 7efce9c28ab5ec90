"""Read the course's pickle files without letting them run code.

Unpickling calls whatever functions a file names, so a plain `pickle.load` of an untrusted file
is arbitrary code execution. This unpickler resolves only the few names numpy's own array
pickles use (protocols 0 to 5, numpy 1 and 2 module paths), narrows those that would take
open-ended arguments to what numpy passes them, and refuses everything else, out-of-band buffers
and persistent ids included.
"""
from __future__ import annotations

import _codecs
import io
import pickle
from pathlib import Path

import numpy as np

try:  # numpy 2 moved numpy.core to numpy._core
    from numpy._core import multiarray, numeric
except ImportError:  # pragma: no cover - numpy 1.26
    from numpy.core import multiarray, numeric

from hwcli.errors import InputError

# Real numbers only: no objects, strings, structured or void records.
ADMITTED_KINDS = "biuf"


class Refused(pickle.UnpicklingError):
    """The pickle asks for something an array of numbers does not need."""


def _dtype(spec, align=False, copy=False):
    """`numpy.dtype` restricted to plain numeric types."""
    dtype = np.dtype(spec, align, copy)
    if dtype.kind not in ADMITTED_KINDS or dtype.hasobject or dtype.fields is not None:
        raise Refused(f"dtype {dtype} is not admitted")
    return dtype


def _latin1_encode(text, encoding="latin1", errors="strict"):
    """Protocols 0-2 store an array's bytes as a latin-1 string; no other codec is needed."""
    if encoding not in ("latin1", "latin-1"):
        raise Refused(f"codec {encoding!r} is not admitted")
    return _codecs.encode(text, encoding, errors)


def _empty_bytes(*args):
    """Protocols 0-2 store an empty array's bytes as `bytes()`; `bytes(n)` could fill memory."""
    if args:
        raise Refused("bytes() with arguments is not admitted")
    return b""


def _ndarray(*args):
    """`numpy.ndarray` in a pickle: an argument to `_reconstruct`, never called."""
    raise Refused("numpy.ndarray(...) is not admitted: it would allocate memory on the file's say-so")


def _reconstruct(subtype, shape, dtype):
    """An empty array, as numpy's pickles start one before `__setstate__` fills it. Any other
    shape would allocate memory, uninitialised, on a tiny file's say-so."""
    if subtype is not _ndarray or tuple(shape) != (0,) or dtype not in (b"b", "b"):
        raise Refused("_reconstruct is admitted only as numpy's array pickles use it")
    return multiarray._reconstruct(np.ndarray, (0,), b"b")


def _numpy_globals() -> dict[tuple[str, str], object]:
    names = {
        ("numpy", "ndarray"): _ndarray,
        ("numpy", "dtype"): _dtype,
        ("_codecs", "encode"): _latin1_encode,
        ("__builtin__", "bytes"): _empty_bytes,
        ("builtins", "bytes"): _empty_bytes,
    }
    for package in ("numpy.core", "numpy._core"):  # pickles written by numpy 1 and numpy 2
        names[(f"{package}.multiarray", "_reconstruct")] = _reconstruct
        names[(f"{package}.numeric", "_frombuffer")] = numeric._frombuffer
    return names


class _ArrayUnpickler(pickle.Unpickler):
    admitted = _numpy_globals()

    def find_class(self, module: str, name: str):
        try:
            return self.admitted[(module, name)]
        except KeyError:
            raise Refused(f"it asks for {module}.{name}") from None

    def persistent_load(self, pid):
        raise Refused("it uses persistent ids")


def load_array(path: Path) -> np.ndarray:
    """The numpy array of real numbers pickled in `path`, or InputError naming the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror})") from None
    try:
        # buffers=None: a protocol-5 out-of-band buffer reference is an error, never a lookup.
        obj = _ArrayUnpickler(io.BytesIO(data), buffers=None).load()
    except Refused as e:
        raise InputError(f"{path}: refused: {e}; only numpy arrays of numbers are admitted") from None
    except Exception as e:  # truncated or malformed: pickle raises many types
        raise InputError(f"{path}: not a readable pickle of a numpy array ({type(e).__name__}: {e})") from None
    if type(obj) is not np.ndarray:
        raise InputError(f"{path}: holds a {type(obj).__name__}, expected a numpy array")
    if obj.dtype.kind not in ADMITTED_KINDS:  # e.g. an object array built by ndarray.__setstate__
        raise InputError(f"{path}: dtype {obj.dtype} is not admitted, expected real numbers")
    return obj
