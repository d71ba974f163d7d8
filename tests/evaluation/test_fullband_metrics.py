"""Evaluation at the file's own rate: log-spectral distance per band (0-4, 4-8, 8-12, 12-24 kHz),
full-band SI-SDR / SNR, and full-band spectrograms in the report, on 48 kHz files."""
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from senhance.evaluation.html import spectrogram_db
from senhance.metrics import band_lsd, log_spectral_distance

sys.path.insert(0, str(Path(__file__).parents[1] / "inference"))  # the full-band signals of the inference tests
from fullband_signals import noisy_mixture  # noqa: E402


def test_lsd_against_hand_computed_values():
    x = np.random.default_rng(0).standard_normal(48000)
    assert log_spectral_distance(x, x, 48000) == 0.0
    assert log_spectral_distance(2 * x, x, 48000) == pytest.approx(20 * math.log10(2), abs=1e-6)  # every bin +6.02 dB
    assert log_spectral_distance(x, x, 48000, low_hz=30000) != log_spectral_distance(x, x, 48000)  # NaN: above Nyquist
    values = band_lsd(x, x, 16000)
    assert values["lsd_0_4k"] == values["lsd_4_8k"] == 0.0
    assert math.isnan(values["lsd_8_12k"]) and math.isnan(values["lsd_12_24k"])  # not defined at 16 kHz
    assert not math.isnan(band_lsd(x[:44100], x[:44100], 44100)["lsd_12_24k"])  # cut at 22.05 kHz


def test_lsd_sees_a_lost_high_band_and_only_there():
    from senhance.inference.bandsplit import round_trip

    clean = noisy_mixture(1.0, 48000)[1]  # energy up to 20 kHz
    telephone = round_trip(clean, 48000, 16000)[0].numpy()  # the old path: to 16 kHz and back
    x = clean[0].numpy()
    values = band_lsd(telephone, x, 48000)
    assert values["lsd_0_4k"] < 1.0
    assert values["lsd_8_12k"] > 20 and values["lsd_12_24k"] > 20


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_evaluate_48k_files_reports_per_band_lsd_and_full_band_spectrograms(tmp_path):
    from senhance.evaluation import evaluate
    from senhance.registry import load

    noisy_dir, clean_dir = tmp_path / "noisy", tmp_path / "clean"
    noisy_dir.mkdir()
    clean_dir.mkdir()
    noisy, clean, _ = noisy_mixture(1.5, 48000)
    soundfile.write(noisy_dir / "a.wav", noisy[0].numpy(), 48000, subtype="FLOAT")
    soundfile.write(clean_dir / "a.wav", clean[0].numpy(), 48000, subtype="FLOAT")

    def loader(spec):
        enhancer = load("wiener")
        if spec == "old":
            enhancer.band_split = False  # the pre-full-band path: resampled to 16 kHz and back
        return enhancer

    results = evaluate(noisy_dir=noisy_dir, clean_dir=clean_dir, output_dir=tmp_path / "out",
                       systems=["split:wiener", "old:old"], metrics=["si_sdr", "snr", "lsd"], examples=1,
                       loader=loader, progress=False)
    assert results["errors"] == []
    keys = ["si_sdr", "snr", "lsd_0_4k", "lsd_4_8k", "lsd_8_12k", "lsd_12_24k"]
    assert results["metric_keys"] == keys
    assert results["metric_info"]["lsd_8_12k"] == {"sample_rate": "native", "higher_is_better": False}
    means = {label: {k: results["systems"][label]["summary"][k]["mean"] for k in keys} for label in results["rows"]}
    assert means["old"]["lsd_12_24k"] > means["split"]["lsd_12_24k"] + 5  # the band split keeps 12-24 kHz
    assert results["metric_info"]["si_sdr"]["sample_rate"] == results["metric_info"]["snr"]["sample_rate"] == "native"
    report = (tmp_path / "out" / "report.md").read_text()
    assert "LSD 8-12k (dB)" in report and "lower is better for the log-spectral distances" in report
    row = next(line for line in report.splitlines() if line.startswith("| split |"))
    assert row.split("|")[-3].strip().startswith("**")  # lowest 12-24 kHz LSD is the best, in bold
    on_disk = json.loads((tmp_path / "out" / "results.json").read_text())
    assert on_disk["systems"]["split"]["files"][0]["lsd_12_24k"] == pytest.approx(means["split"]["lsd_12_24k"])
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<img" in html
    _, freqs, _ = spectrogram_db(noisy[0].numpy(), 48000)  # the example spectrograms: 0 to 24 kHz
    assert freqs.max() == 24000
