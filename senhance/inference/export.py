"""TorchScript and ONNX export of spectral mask models: the offline graph and the streaming step.

Two wrappers turn a :class:`~senhance.models.spectral.SpectralMaskModel` into graphs without
complex tensors (ONNX has none):

* :class:`OfflineGraph` - ``noisy (B, T) -> enhanced (B, T)`` for any ``T``: the model's causal
  sqrt-Hann STFT written as a strided ``conv1d`` with a windowed real DFT basis, the model's
  ``forward_frames_real`` over all frames from ``initial_state``, and the inverse DFT +
  overlap-add as a ``conv_transpose1d``. Equal to ``model.forward`` within float tolerance.
* :class:`StepGraph` - one streaming step: ``(spec (B, F, N, 2), *state) -> (out, *new_state)``,
  ``forward_frames_real`` with the carried state as explicit inputs and outputs.

:func:`export_model` writes ``<stem>.offline.ts`` / ``<stem>.step.ts`` (TorchScript, by tracing)
and ``<stem>.offline.onnx`` / ``<stem>.step.onnx`` (ONNX, torch's TorchScript-based exporter,
``dynamo=False``, opset 17: it exports these graphs in about a second, the dynamo exporter needs
~10x longer for the step and fails on the offline graph's finiteness checks).
"""
from __future__ import annotations

import math
import shutil
import warnings
from pathlib import Path

import torch
from torch import Tensor, nn

from senhance.atomic import atomic_write_json
from senhance.errors import ConfigError

ONNX_OPSET = 17
#: The reference streaming runner (numpy + onnxruntime only) that export copies next to the graphs.
RUNNER = Path(__file__).with_name("onnx_runner.py")


def _dft_bases(window: Tensor, n_fft: int) -> tuple[Tensor, Tensor]:
    """Windowed analysis and synthesis kernels, each ``(2F, 1, n_fft)``: real parts then imaginary parts."""
    freqs = n_fft // 2 + 1
    n = torch.arange(n_fft, dtype=torch.float64)
    k = torch.arange(freqs, dtype=torch.float64)
    angle = 2 * math.pi * k[:, None] * n[None, :] / n_fft  # (F, n_fft)
    w = window.to(torch.float64)
    analysis = torch.cat([torch.cos(angle) * w, -torch.sin(angle) * w])  # rfft: X = sum x e^{-i..}
    weight = torch.full((freqs, 1), 2.0, dtype=torch.float64)
    weight[0] = 1.0
    weight[-1] = 1.0 if n_fft % 2 == 0 else 2.0
    synthesis = torch.cat([weight * torch.cos(angle), -weight * torch.sin(angle)]) * w / n_fft  # irfft, window
    return analysis.unsqueeze(1).float(), synthesis.unsqueeze(1).float()


class OfflineGraph(nn.Module):
    """``noisy (B, T) -> enhanced (B, T)`` through real-valued ops only (see the module docstring).

    >>> from senhance.models import BandFilterNet
    >>> model = BandFilterNet(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12,
    ...                       conv_channels=4, hidden_size=8, num_layers=1).eval()
    >>> x = torch.randn(2, 500)
    >>> with torch.no_grad():
    ...     torch.allclose(OfflineGraph(model)(x), model(x[:, None])[:, 0], atol=1e-5)
    True
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.n_fft, self.hop_length = int(model.n_fft), int(model.hop_length)
        self.freqs = self.n_fft // 2 + 1
        analysis, synthesis = _dft_bases(model.window, self.n_fft)
        self.register_buffer("analysis", analysis, persistent=False)
        self.register_buffer("synthesis", synthesis, persistent=False)

    def forward(self, noisy: Tensor) -> Tensor:
        pad = self.n_fft - self.hop_length
        offset = int(getattr(self.model, "output_offset_samples", pad))
        length = noisy.shape[-1]
        # front: the model's causal padding; back: one window (and the lookahead) so every sample's frames exist
        padded = nn.functional.pad(noisy.unsqueeze(1), (pad, self.n_fft + offset - pad))  # (B, 1, T + offset + n_fft)
        coefs = nn.functional.conv1d(padded, self.analysis, stride=self.hop_length)  # (B, 2F, N)
        spec = torch.stack([coefs[:, : self.freqs], coefs[:, self.freqs :]], dim=-1)  # (B, F, N, 2)
        out, _ = self.model.forward_frames_real(spec, self.model.initial_state(noisy.shape[0]))
        coefs = torch.cat([out[..., 0], out[..., 1]], dim=1)  # (B, 2F, N)
        signal = nn.functional.conv_transpose1d(coefs, self.synthesis, stride=self.hop_length)  # (B, 1, L)
        return signal[:, 0, offset : offset + length]  # (B, T)


class StepGraph(nn.Module):
    """One streaming step: ``(spec (B, F, N, 2), *state) -> (out (B, F, N, 2), *new_state)``."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, spec: Tensor, *state: Tensor) -> tuple[Tensor, ...]:
        out, new_state = self.model.forward_frames_real(spec, tuple(state))
        return (out,) + tuple(new_state)


def export_model(model: nn.Module, out_dir: str | Path, *, stem: str = "model",
                 formats=("torchscript", "onnx")) -> dict:
    """Write the offline graph and the streaming step of ``model`` as TorchScript and/or ONNX.

    Args:
        model: a spectral mask model (``n_fft``, ``hop_length``, ``window``, ``initial_state``,
            ``forward_frames_real``), e.g. ``senhance.load("default").module``.
        out_dir: folder for ``<stem>.{offline,step}.{ts,onnx}`` and ``<stem>.export.json``.
        formats: any of ``"torchscript"``, ``"onnx"``.

    The graphs are traced on an example of 16 hops (fewer frames than the model's 64-frame
    running-mean chunk, so the traced graph keeps the frame count dynamic; its running means
    then use one ``N x N`` decay matrix: fine for segments up to a minute or so - use the
    step graph, frame by frame, for longer or live audio).

    Returns:
        The description also written to ``<stem>.export.json``: files, sample rate, hop, latency,
        the full framing recipe (``framing``: leading zeros, window values, overlap-add, samples to
        drop) and the step's state inputs (``state{i}`` in, ``state{i}_out`` out) with their shapes
        and initial values. ``onnx_runner.py`` (numpy + onnxruntime only, see
        :mod:`senhance.inference.onnx_runner`) is copied into ``out_dir`` too: it streams audio through
        ``<stem>.step.onnx`` following that recipe.
    """
    unknown = set(formats) - {"torchscript", "onnx"}
    if unknown:
        raise ConfigError(f"formats={sorted(unknown)}: choose from torchscript, onnx")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    offline, step = OfflineGraph(model).eval(), StepGraph(model).eval()
    noisy = torch.zeros(1, 16 * int(model.hop_length)).uniform_(-0.1, 0.1)
    state = tuple(model.initial_state(1))
    spec = torch.zeros(1, model.n_fft // 2 + 1, 1, 2).uniform_(-0.1, 0.1)
    state_names = [f"state{i}" for i in range(len(state))]
    files = {}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer / exporter chatter
        if "torchscript" in formats:
            for name, graph, args in (("offline", offline, (noisy,)), ("step", step, (spec,) + state)):
                path = out_dir / f"{stem}.{name}.ts"
                torch.jit.trace(graph, args, check_trace=False).save(str(path))
                files[f"torchscript_{name}"] = path.name
        if "onnx" in formats:
            path = out_dir / f"{stem}.offline.onnx"
            torch.onnx.export(offline, (noisy,), str(path), dynamo=False, opset_version=ONNX_OPSET,
                              input_names=["noisy"], output_names=["enhanced"],
                              dynamic_axes={"noisy": {1: "time"}, "enhanced": {1: "time"}})
            files["onnx_offline"] = path.name
            path = out_dir / f"{stem}.step.onnx"
            torch.onnx.export(step, (spec,) + state, str(path), dynamo=False, opset_version=ONNX_OPSET,
                              input_names=["spec"] + state_names,
                              output_names=["out"] + [f"{n}_out" for n in state_names])
            files["onnx_step"] = path.name
    pad = int(model.n_fft) - int(model.hop_length)
    drop = int(getattr(model, "output_offset_samples", pad))
    window = model.window.detach().to("cpu", torch.float64)
    runner = out_dir / RUNNER.name
    if "onnx" in formats:
        shutil.copyfile(RUNNER, runner)
        files["runner"] = runner.name
    description = {
        "files": files, "sample_rate": int(model.sample_rate), "n_fft": int(model.n_fft),
        "hop_length": int(model.hop_length), "latency_samples": int(model.latency_samples),
        "offline": {"input": "noisy (1, time) float32", "output": "enhanced (1, time) float32"},
        "framing": {
            "n_fft": int(model.n_fft), "hop_length": int(model.hop_length),
            "leading_zeros": pad,
            "window": {"name": "sqrt_hann_periodic", "formula": "sqrt(0.5 - 0.5 * cos(2 * pi * n / n_fft)), "
                       "n = 0 .. n_fft - 1", "values": [float(v) for v in window]},
            "analysis": f"put leading_zeros zeros in front of the signal; every hop_length samples take the last "
                        f"n_fft samples, multiply by the window, rfft (n_fft // 2 + 1 = {model.n_fft // 2 + 1} bins), "
                        "stack real and imaginary parts as spec (1, F, 1, 2)",
            "synthesis": "irfft(out, n=n_fft) of each step output, multiply by the window again, overlap-add at "
                         "hop_length (no normalisation: the squared window sums to 1)",
            "drop_samples": drop,
            "end": "feed zeros until every input sample has come out; output sample t then lines up with input t",
            "runner": runner.name,
        },
        "step": {"input": "spec (1, n_fft//2+1, 1, 2) float32: one frame, real/imag of the causal sqrt-Hann STFT",
                 "spec_input": "spec", "output": "out",
                 "state": {n: {"shape": list(t.shape), "dtype": "float32",
                               "initial": [float(v) for v in t.detach().reshape(-1).cpu()],
                               "output": f"{n}_out"} for n, t in zip(state_names, state)},
                 "state_note": "start from the initial values (row-major, reshaped to shape), not zeros; feed "
                               "each <name>_out back as <name> at the next step"},
    }
    atomic_write_json(description, out_dir / f"{stem}.export.json")
    return description
