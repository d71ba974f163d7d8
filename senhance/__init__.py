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

from senhance.torch_pair import warn_if_broken as _warn_if_broken

_warn_if_broken()  # one sentence if the installed torch + torchaudio do not load together


def load(name_or_path, **kwargs):
    """Return an :class:`~senhance.enhancer.Enhancer`: a shipped model name, a checkpoint path,
    or a classical baseline name (``bandpass``, ``spectral_subtraction``, ``wiener``).

    See :func:`senhance.registry.load` for the options. The enhancer maps ``(time,)`` or
    ``(channels, time)`` audio at any rate to the same shape and rate:

    >>> import torch, senhance
    >>> enhancer = senhance.load("wiener")
    >>> enhancer.enhance(0.1 * torch.randn(2, 4000), 16000).shape
    torch.Size([2, 4000])

    Checkpoints written by :func:`senhance.checkpoint.save_package` load the same way:

    >>> import os, tempfile
    >>> from senhance.checkpoint import save_package
    >>> from senhance.models import BandFilterNet
    >>> model = BandFilterNet(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12,
    ...                       conv_channels=4, hidden_size=8, num_layers=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     enhancer = senhance.load(save_package(os.path.join(folder, "tiny.pt"), model, sample_rate=8000))
    >>> enhancer.name, enhancer.sample_rate, enhancer.enhance(torch.zeros(1000), 16000).shape
    ('tiny', 8000, torch.Size([1000]))
    """
    from senhance.registry import load as _load

    return _load(name_or_path, **kwargs)


__all__ = ["__version__", "load"]
