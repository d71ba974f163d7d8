"""senhance's version, read once from the installed package's metadata (stdlib only, so any module may import it).

>>> isinstance(__version__, str)
True
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("senhance")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
