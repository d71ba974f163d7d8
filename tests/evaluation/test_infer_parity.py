"""The evaluation enhances through senhance-infer's code path: its saved audio is what enhance_file writes
(same samples, same subtype), blocks included, and the soft limiter is applied."""
import numpy as np
import pytest
import soundfile as sf
import torch

from senhance.enhance import enhance_file
from senhance.enhancer import Enhancer
from senhance.evaluation import evaluate
from senhance.inference.blocks import stateless_settings
from senhance.registry import PackagedEnhancer, load

from eval_fixtures import speech_like

KNEE = 10 ** (-1 / 20)


class LoudEnhancer(Enhancer):
    """Multiplies by 4 (pushes peaks far above full scale) and records the longest input it was given."""

    name = "loud"

    def __init__(self, sample_rate=16000):
        self.sample_rate, self.longest = sample_rate, 0

    def process(self, waveform):
        self.longest = max(self.longest, waveform.shape[-1])
        return 4.0 * waveform


def tiny_bandnet():
    from senhance.models import BandFilterNet

    torch.manual_seed(0)
    model = BandFilterNet(sample_rate=8000, n_fft=64, hop_length=32, n_bands=8, df_bins=12, df_order=2,
                          conv_channels=4, hidden_size=16, num_layers=1)
    with torch.no_grad():  # untrained: make it do something visible
        for parameter in model.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    return PackagedEnhancer(model, {"sample_rate": 8000}, name="bandnet")


def write_pair(noisy_dir, clean_dir, name, *, sample_rate, seconds, channels, subtype, seed):
    rng = np.random.default_rng(seed)
    clean = np.stack([speech_like(seconds, sample_rate, rng) for _ in range(channels)], axis=1)  # (T, C)
    noisy = clean + 0.05 * rng.standard_normal(clean.shape).astype(np.float32)
    sf.write(noisy_dir / name, noisy, sample_rate, subtype=subtype)
    sf.write(clean_dir / name, clean, sample_rate, subtype=subtype)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("parity")
    noisy_dir, clean_dir = root / "noisy", root / "clean"
    for folder in (noisy_dir / "sub", clean_dir / "sub"):
        folder.mkdir(parents=True)
    # 16 kHz stereo PCM_16 (the tiny 8 kHz model resamples block-wise) and 8 kHz mono FLAC PCM_24
    write_pair(noisy_dir, clean_dir, "a.wav", sample_rate=16000, seconds=2.0, channels=2, subtype="PCM_16", seed=1)
    write_pair(noisy_dir, clean_dir, "sub/b.flac", sample_rate=8000, seconds=1.5, channels=1, subtype="PCM_24",
               seed=2)
    return root, noisy_dir, clean_dir


@pytest.mark.parametrize("block_seconds", [0.05, 10.0])  # block path (streaming state / overlap-add) and whole
def test_saved_audio_equals_enhance_file(corpus, tmp_path, block_seconds):
    root, noisy_dir, clean_dir = corpus
    systems = {"bandnet": tiny_bandnet(), "wiener": load("wiener"), "loud": LoudEnhancer()}
    results = evaluate(noisy_dir=noisy_dir, clean_dir=clean_dir, output_dir=tmp_path / "eval",
                       systems=list(systems), metrics=["si_sdr"], save_audio=True, examples=0,
                       block_seconds=block_seconds, loader=systems.__getitem__, progress=False)
    assert results["errors"] == []
    for label, enhancer in systems.items():
        for file_id in ("a.wav", "sub/b.flac"):
            saved = tmp_path / "eval" / "enhanced" / label / file_id
            inferred = enhance_file(enhancer, noisy_dir / file_id, tmp_path / "infer" / label / file_id,
                                    block_seconds=block_seconds)
            assert sf.info(saved).subtype == sf.info(inferred).subtype == sf.info(noisy_dir / file_id).subtype
            a, rate_a = sf.read(saved, dtype="int32", always_2d=True)
            b, rate_b = sf.read(inferred, dtype="int32", always_2d=True)
            assert rate_a == rate_b == sf.info(noisy_dir / file_id).samplerate
            np.testing.assert_array_equal(a, b, err_msg=f"{label} {file_id}")


def test_evaluation_processes_in_blocks_and_soft_limits(corpus, tmp_path):
    _, noisy_dir, clean_dir = corpus
    loud = LoudEnhancer()
    evaluate(noisy_dir=noisy_dir, clean_dir=clean_dir, output_dir=tmp_path / "eval", systems=["loud"],
             metrics=["si_sdr"], save_audio=True, examples=0, block_seconds=0.05,
             loader=lambda source: loud, progress=False)
    # The stateless streamer's overlap-add pieces (history + piece + crossfade + lookahead), never the whole 2 s file.
    assert 0 < loud.longest <= sum(stateless_settings(16000).values()) < 2 * 16000
    noisy, _ = sf.read(noisy_dir / "a.wav", dtype="float64", always_2d=True)
    saved, _ = sf.read(tmp_path / "eval" / "enhanced" / "loud" / "a.wav", dtype="float64", always_2d=True)
    loud_input = 4.0 * noisy
    assert np.abs(loud_input).max() > 1.5  # the gain really pushes past full scale
    # Closed form of the limiter (independent of senhance): identity below -1 dBFS, tanh knee above.
    over = np.abs(loud_input) > KNEE
    expected = np.where(over, np.sign(loud_input) * (KNEE + (1 - KNEE) * np.tanh((np.abs(loud_input) - KNEE)
                                                                                  / (1 - KNEE))), loud_input)
    np.testing.assert_allclose(saved, expected, atol=2 / 2**15)  # PCM_16 quantisation
    assert np.abs(saved).max() <= 1.0
