"""The declared Enhancer contract, for every shipped model and every baseline loaded through ``senhance.load``.

(a) ``stream()`` fed frame by frame, its fixed latency removed, gives what ``enhance()`` gives (at the
enhancer's rate and at another one); (b) ``enhance()`` gives what ``senhance-infer`` writes (the CLI's entry
point run in a subprocess on a FLOAT WAV, so the file holds the float32 samples); (c) types in, types out: numpy in ->
numpy out (float64 kept), tensor in -> tensor out, ``(time,)`` -> ``(time,)``, for ``enhance``, the
native ``streamer()`` and ``stream()`` frames. Signals: 1.3 s of a harmonic tone in white noise, long enough
for three overlap-add pieces of the stateless enhancers and for the models' recurrent state to matter.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile
import torch

import senhance
from senhance.baselines import CLASSICAL
from senhance.enhancer import Enhancer
from senhance.registry import shipped_models

SYSTEMS = sorted(shipped_models()) + sorted(CLASSICAL)
RATE = 16000


def noisy_signal(sample_rate: int, seconds: float = 1.3, channels: int = 1, seed: int = 0) -> np.ndarray:
    """``(channels, T)`` float32: a harmonic tone switched on and off, in white noise, peak about 0.5."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    tone = sum(np.sin(2 * np.pi * k * 180 * t) / k for k in range(1, 6)) * (np.sin(2 * np.pi * 3 * t) > 0)
    return (0.2 * tone + 0.05 * rng.standard_normal((channels, t.size))).astype(np.float32)


@pytest.fixture(scope="module")
def enhancers():
    return {name: senhance.load(name) for name in SYSTEMS}


#: One interpreter runs ``senhance-infer``'s entry point once per system (argv parsing, Hydra composition,
#: enhance_file), so the interpreter start-up is paid once, not once per system.
CLI_DRIVER = """
import sys
from senhance.cli.infer import main
for name in sys.argv[1:]:
    try:
        main(["noisy.wav", "-o", name + ".wav", "--model", name, "progress=false"])
    except SystemExit as exit:
        if exit.code:
            raise
"""


@pytest.fixture(scope="module")
def cli_outputs(tmp_path_factory):
    """``senhance-infer noisy.wav -o <name>.wav --model <name>`` for every system, in a subprocess."""
    folder = tmp_path_factory.mktemp("cli")
    soundfile.write(folder / "noisy.wav", noisy_signal(RATE, channels=2).T, RATE, subtype="FLOAT")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-c", CLI_DRIVER, *SYSTEMS], cwd=folder, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(run.stdout.split()) == sorted(f"{name}.wav" for name in SYSTEMS)  # one line per written file
    return folder


def run_stream(stream, x: torch.Tensor, frame: int) -> torch.Tensor:
    pieces = [stream.feed(x[:, i:i + frame]) for i in range(0, x.shape[-1], frame)]
    return torch.cat(pieces + [stream.flush()], dim=-1)


@pytest.mark.parametrize("name", SYSTEMS)
def test_declares_the_contract(enhancers, name):
    enhancer = enhancers[name]
    assert isinstance(enhancer, Enhancer) and enhancer.name == name and enhancer.sample_rate == RATE
    assert 0 <= enhancer.latency_samples <= 0.6 * RATE  # live latency stays modest
    assert enhancer.frame_samples >= 1
    assert enhancer.carries_state == (name == "default")  # the causal model; the rest is overlap-add


@pytest.mark.parametrize("name", SYSTEMS)
@pytest.mark.parametrize("sample_rate", [RATE, 8000])
def test_stream_equals_enhance(enhancers, name, sample_rate):
    enhancer = enhancers[name]
    x = torch.from_numpy(noisy_signal(sample_rate, channels=2, seed=1))
    stream = enhancer.stream(sample_rate=sample_rate, strength=0.8)
    if sample_rate == RATE:
        assert stream.latency == enhancer.latency_samples
    streamed = run_stream(stream, x, stream.hop_length)
    latency = stream.latency
    assert streamed.shape == (2, x.shape[-1] + latency)
    assert torch.equal(streamed[:, :latency], torch.zeros(2, latency))
    offline = enhancer.enhance(x, sample_rate, strength=0.8)
    assert float((offline - x).abs().max()) > 1e-3  # the enhancer does change the audio
    torch.testing.assert_close(streamed[:, latency:], offline, rtol=0, atol=2e-5)


@pytest.mark.parametrize("name", ["wiener", "linear"])
def test_stateless_stream_at_full_band_equals_enhance(enhancers, name):
    """48 kHz audio to a 16 kHz stateless enhancer: resamplers, overlap-add and the band split, live."""
    enhancer = enhancers[name]
    x = torch.from_numpy(noisy_signal(48000, seconds=1.2, seed=3))
    stream = enhancer.stream(sample_rate=48000)
    assert stream.latency <= 0.7 * 48000
    streamed = run_stream(stream, x, stream.hop_length)
    torch.testing.assert_close(streamed[:, stream.latency:], enhancer.enhance(x, 48000), rtol=0, atol=2e-5)


@pytest.mark.parametrize("name", SYSTEMS)
def test_enhance_equals_what_senhance_infer_writes(enhancers, cli_outputs, name):
    written, rate = soundfile.read(cli_outputs / f"{name}.wav", dtype="float32", always_2d=True)
    noisy, _ = soundfile.read(cli_outputs / "noisy.wav", dtype="float32", always_2d=True)
    assert rate == RATE and written.shape == noisy.shape
    expected = enhancers[name].enhance(noisy.T, RATE)  # numpy (C, T) in, numpy out
    np.testing.assert_allclose(written.T, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", SYSTEMS)
def test_types_in_types_out(enhancers, name):
    enhancer = enhancers[name]
    x = noisy_signal(RATE, seconds=0.7, seed=2)[0].astype(np.float64)  # (T,) float64
    y = enhancer.enhance(x, RATE)
    assert isinstance(y, np.ndarray) and y.shape == x.shape and y.dtype == np.float64
    tensor = torch.from_numpy(np.stack([x, x[::-1]]).astype(np.float32))  # (2, T) float32 tensor
    out = enhancer.enhance(tensor, RATE)
    assert isinstance(out, torch.Tensor) and out.shape == tensor.shape and out.dtype == torch.float32
    out += 0.0  # an ordinary tensor (not an inference-mode one): the caller may change it in place
    np.testing.assert_allclose(out[0].numpy(), y, rtol=0, atol=1e-6)  # the same samples either way

    native = enhancer.streamer()  # (n,) numpy frames in: (m,) numpy frames out
    frames = [native.feed(x[i:i + 1000]) for i in range(0, x.size, 1000)] + [native.flush()]
    assert all(isinstance(f, np.ndarray) and f.ndim == 1 and f.dtype == np.float64 for f in frames)
    assert sum(f.size for f in frames) == x.size

    live = enhancer.stream()  # (n,) tensor frames in: (n,) tensor frames out
    frame = torch.from_numpy(x[:160].astype(np.float32))
    answer = live.feed(frame)
    assert isinstance(answer, torch.Tensor) and answer.shape == frame.shape
    numpy_answer = live.feed(x[160:480])
    assert isinstance(numpy_answer, np.ndarray) and numpy_answer.shape == (320,)
    with pytest.raises(ValueError, match="frame must be"):
        live.feed(np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="2 channels, the stream has 1"):
        live.feed(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="NaN"):
        enhancer.streamer().feed(np.array([0.0, np.nan]))
