"""senhance: learned speech enhancement in PyTorch.

>>> import senhance
>>> isinstance(senhance.__version__, str)
True
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("senhance")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"


def load(name_or_path, **kwargs):
    """Return an :class:`~senhance.enhancer.Enhancer`: a shipped model name, a checkpoint path,
    or a classical baseline name (``bandpass``, ``spectral_subtraction``, ``wiener``)."""
    from senhance.registry import load as _load

    return _load(name_or_path, **kwargs)


__all__ = ["__version__", "load"]
