"""Part 2 of the homework: a two-layer net written from scratch in numpy, its data and its trainer.

`from hwcli.numpy_net import TwoLayerNet, eval_numerical_gradient, rel_error` gives the course's
interface. Those names load numpy on first use, so that the CLI can import this package for free.
"""

_EXPORTS = {
    "TwoLayerNet": "hwcli.numpy_net.net",
    "eval_numerical_gradient": "hwcli.numpy_net.gradcheck",
    "rel_error": "hwcli.numpy_net.gradcheck",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
