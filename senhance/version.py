"""The installed senhance version (stdlib only: the bottom layer), for ``senhance.__version__`` and for the
package versions a checkpoint records, so neither has to import the package's ``__init__``.

>>> from senhance.version import __version__
>>> isinstance(__version__, str) and len(__version__) > 0
True
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("senhance")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
