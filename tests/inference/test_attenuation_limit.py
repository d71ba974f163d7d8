"""max_attenuation_db (DeepFilterNet's atten_lim_db) in the shared enhancement path: the output is
``(1 - a) * enhanced + a * noisy`` with ``a = 10 ** (-L / 20)`` before the soft limiter and the dry/wet
mix; per STFT bin the output keeps at least ``a`` of the input for enhancers that apply a real gain in [0, 1]
(checked with scipy's STFT on silence and a -40 dB gain, where it is exact); ``None``/``inf``
is today's output; long signals in blocks (streaming state) give the same samples."""
import math

import numpy as np
import pytest
import scipy.signal
import soundfile
import torch

from senhance.enhance import enhance_file, enhance_paths, enhance_waveform
from senhance.enhancer import Enhancer

KNEE = 10 ** (-1 / 20)


def limiter_reference(x):
    over = np.abs(x) > KNEE
    return np.where(over, np.sign(x) * (KNEE + (1 - KNEE) * np.tanh((np.abs(x) - KNEE) / (1 - KNEE))), x)


class Silence(Enhancer):
    """Removes everything: the most aggressive enhancer there is."""

    name, sample_rate = "silence", 16000

    def process(self, waveform):
        return torch.zeros_like(waveform)


class LowPassGain(Enhancer):
    """A real, non-negative gain per STFT bin (keeps 0-1 kHz, 1 % of the rest), applied in the
    same scipy STFT the check uses."""

    name, sample_rate = "lowpass", 16000

    def process(self, waveform):
        f, _, spec = scipy.signal.stft(waveform.numpy(), fs=16000, nperseg=512)
        gain = np.where(f < 1000, 1.0, 0.01)[:, None]
        _, out = scipy.signal.istft(spec * gain, fs=16000, nperseg=512)
        return torch.from_numpy(out[..., : waveform.shape[-1]].astype(np.float32))


class Quiet(Enhancer):
    """A real gain of -40 dB on every bin."""

    name, sample_rate = "quiet", 16000

    def process(self, waveform):
        return 0.01 * waveform


def _noisy(seconds=0.5, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    return torch.from_numpy((0.2 * rng.standard_normal((channels, int(16000 * seconds)))).astype(np.float32))


@pytest.mark.parametrize("limit_db", [6.0, 20.0, 40.0])
@pytest.mark.parametrize("strength", [1.0, 0.7])
def test_output_follows_the_formula(limit_db, strength):
    noisy = _noisy(channels=2)
    enhancer = LowPassGain()
    enhanced = enhancer.process(noisy).numpy()
    a = 10 ** (-limit_db / 20)
    expected = strength * limiter_reference((1 - a) * enhanced + a * noisy.numpy()) + (1 - strength) * noisy.numpy()
    out = enhance_waveform(enhancer, noisy, 16000, strength=strength, max_attenuation_db=limit_db)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("enhancer", [Silence(), Quiet()], ids=["silence", "quiet"])
def test_no_bin_is_attenuated_more_than_the_limit(enhancer):
    noisy = _noisy(seconds=1.0)
    limit_db = 12.0
    out = enhance_waveform(enhancer, noisy, 16000, max_attenuation_db=limit_db)
    _, _, n_spec = scipy.signal.stft(noisy.numpy()[0], fs=16000, nperseg=512)
    _, _, o_spec = scipy.signal.stft(out.numpy()[0], fs=16000, nperseg=512)
    floor = 10 ** (-limit_db / 20)
    assert np.all(np.abs(o_spec) >= floor * np.abs(n_spec) * (1 - 1e-4) - 1e-7)
    unlimited = enhance_waveform(enhancer, noisy, 16000)
    _, _, u_spec = scipy.signal.stft(unlimited.numpy()[0], fs=16000, nperseg=512)
    assert np.mean(np.abs(u_spec) < floor * np.abs(n_spec)) > 0.5  # without the limit most bins go below it


@pytest.mark.parametrize("limit_db", [None, math.inf])
def test_no_limit_is_todays_output(limit_db):
    noisy = _noisy()
    enhancer = LowPassGain()
    today = enhance_waveform(enhancer, noisy, 16000)
    assert torch.equal(enhance_waveform(enhancer, noisy, 16000, max_attenuation_db=limit_db), today)


def test_blocks_and_files_apply_the_same_limit(tmp_path, tiny_checkpoint):
    """A streaming model, a signal longer than a block: the limit is sample-wise, so the block path gives
    the whole-signal formula; the file written by enhance_file holds the same samples."""
    import senhance

    enhancer = senhance.load(tiny_checkpoint)
    noisy = _noisy(seconds=0.4, seed=2)[:, : int(0.4 * enhancer.sample_rate)]
    rate = enhancer.sample_rate
    whole = enhancer.enhance(noisy, rate).numpy()
    a = 10 ** (-9 / 20)
    expected = limiter_reference((1 - a) * whole + a * noisy.numpy())
    blocks = enhance_waveform(enhancer, noisy, rate, max_attenuation_db=9.0, block_seconds=0.05)
    np.testing.assert_allclose(blocks.numpy(), expected, atol=1e-5)
    src = tmp_path / "in.wav"
    soundfile.write(src, noisy.numpy().T, rate, subtype="FLOAT")
    written, _ = soundfile.read(enhance_file(enhancer, src, tmp_path / "out.wav", max_attenuation_db=9.0,
                                             block_seconds=0.05), dtype="float32", always_2d=True)
    np.testing.assert_array_equal(written.T, blocks.numpy())


@pytest.mark.parametrize("bad", [0, -3, float("nan")])
def test_bad_limits_are_named(tmp_path, bad):
    with pytest.raises(ValueError, match="max_attenuation_db="):
        enhance_waveform(Silence(), _noisy(), 16000, max_attenuation_db=bad)
    with pytest.raises(ValueError, match="max_attenuation_db="):
        enhance_paths(Silence(), tmp_path, tmp_path / "out", max_attenuation_db=bad, progress=False)


def test_infer_config_has_the_key_and_the_flag_sets_it():
    from senhance.cli._command import compose, parse
    from senhance.cli.infer import COMMAND

    assert compose("infer", ["input=a.wav", "output=b.wav"]).max_attenuation_db is None
    request = parse(COMMAND, ["a.wav", "--max-attenuation-db", "12"])
    assert compose("infer", request.overrides).max_attenuation_db == 12.0
