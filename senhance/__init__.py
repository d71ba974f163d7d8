"""senhance: learned speech enhancement in PyTorch.

:func:`load` returns an :class:`~senhance.enhancer.Enhancer`: a shipped model name, a checkpoint path,
or a classical baseline name (``bandpass``, ``spectral_subtraction``, ``wiener``); see
:func:`senhance.registry.load` for the options. The enhancer maps ``(time,)`` or ``(channels, time)``
audio at any rate to the same shape, rate and type, exactly as ``senhance-infer`` would:

>>> import torch, senhance
>>> isinstance(senhance.__version__, str)
True
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
from senhance.torch_pair import warn_if_broken as _warn_if_broken
from senhance.version import __version__

_warn_if_broken()  # one sentence if the installed torch + torchaudio do not load together

from senhance.registry import load  # noqa: E402  (after the torch pair check: this imports torch)

__all__ = ["__version__", "load"]
