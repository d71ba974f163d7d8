"""Another tool's outputs, given as a folder, scored next to the noisy input (senhance-eval systems=[label:DIR])."""
import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from senhance.cli.evaluate import run
from senhance.evaluation import evaluate
from senhance.evaluation.precomputed import PrecomputedOutputs

from eval_fixtures import SAMPLE_RATE, compose_eval, make_corpus, stand_in_loader


def _si_sdr(estimate, reference):
    """Scale-invariant SDR straight from its definition (Le Roux et al. 2019: zero-mean signals), float64."""
    estimate, reference = np.asarray(estimate, np.float64), np.asarray(reference, np.float64)
    estimate, reference = estimate - estimate.mean(), reference - reference.mean()
    target = reference * (estimate @ reference) / (reference @ reference)
    return 10 * np.log10(np.sum(target**2) / np.sum((estimate - target) ** 2))


@pytest.fixture
def outputs(tmp_path):
    """Five noisy files; the other tool wrote: the clean file as FLAC, the clean file at 32 kHz, the
    noisy file 100 samples longer, nothing, and a file 1 s too short."""
    noisy_dir, clean_dir = make_corpus(tmp_path / "data", n_files=5, seconds=1.0, manifest=False)
    out = tmp_path / "tool"
    out.mkdir()
    clean0, _ = sf.read(clean_dir / "snr0_0.wav")
    sf.write(out / "snr0_0.flac", clean0, SAMPLE_RATE, subtype="PCM_24")
    clean1, _ = sf.read(clean_dir / "snr5_1.wav")
    sf.write(out / "snr5_1.wav", resample_poly(clean1, 2, 1), 2 * SAMPLE_RATE, subtype="FLOAT")
    noisy2, _ = sf.read(noisy_dir / "snr10_2.wav")
    sf.write(out / "snr10_2.wav", np.concatenate([noisy2, np.zeros(100)]), SAMPLE_RATE, subtype="FLOAT")
    sf.write(out / "snr0_4.wav", np.zeros(SAMPLE_RATE // 4), SAMPLE_RATE, subtype="FLOAT")
    return noisy_dir, clean_dir, out


def test_folder_outputs_are_matched_aligned_and_scored(outputs, tmp_path):
    noisy_dir, clean_dir, out = outputs
    results = evaluate(noisy_dir=noisy_dir, clean_dir=clean_dir, output_dir=tmp_path / "out",
                       systems=[f"tool:{out}"], metrics=["si_sdr"], loader=stand_in_loader, examples=0,
                       progress=False)
    rows = {r["file"]: r for r in results["systems"]["tool"]["files"]}
    noisy_rows = {r["file"]: r for r in results["systems"]["noisy"]["files"]}
    assert rows["snr0_0.wav"]["si_sdr"] > 40  # the clean file itself, stored as 24-bit FLAC
    assert rows["snr5_1.wav"]["si_sdr"] > 20  # the clean file at 32 kHz, resampled back to 16 kHz
    noisy2, _ = sf.read(noisy_dir / "snr10_2.wav")
    clean2, _ = sf.read(clean_dir / "snr10_2.wav")
    assert rows["snr10_2.wav"]["si_sdr"] == pytest.approx(_si_sdr(noisy2, clean2), abs=1e-4)  # padding cut off
    assert rows["snr10_2.wav"]["si_sdr"] == pytest.approx(noisy_rows["snr10_2.wav"]["si_sdr"], abs=1e-6)
    assert set(rows) == {"snr0_0.wav", "snr5_1.wav", "snr10_2.wav"}
    errors = {e["file"]: e["error"] for e in results["errors"]}
    assert set(errors) == {"snr15_3.wav", "snr0_4.wav"}
    assert str(out / "snr15_3.wav") in errors["snr15_3.wav"] and "no output" in errors["snr15_3.wav"]
    assert "4000 samples" in errors["snr0_4.wav"] and "16000" in errors["snr0_4.wav"]
    assert len(noisy_rows) == 5  # the input rows are all there


def test_folder_system_through_the_command_line_config(outputs, tmp_path):
    noisy_dir, clean_dir, out = outputs
    cfg = compose_eval([f"noisy_dir={noisy_dir}", f"clean_dir={clean_dir}", f"output_dir={tmp_path / 'out'}",
                        f"systems=[smooth,other:{out}]", "metrics=[si_sdr]", "compare=[other,noisy]",
                        "examples=1", "progress=false"])
    results = run(cfg, loader=stand_in_loader)
    assert [s["label"] for s in results["config"]["systems"]] == ["smooth", "other"]
    assert results["systems"]["other"]["summary"]["si_sdr"]["count"] == 3
    assert "other" in (tmp_path / "out" / "report.md").read_text()


def test_ambiguous_and_mono_outputs(tmp_path):
    folder = tmp_path / "tool"
    folder.mkdir()
    sf.write(folder / "a.wav", np.zeros(160), SAMPLE_RATE)
    sf.write(folder / "a.flac", np.zeros(160), SAMPLE_RATE)
    sf.write(folder / "b.wav", np.linspace(-0.5, 0.5, 160), SAMPLE_RATE, subtype="FLOAT")
    outputs = PrecomputedOutputs(folder)
    assert outputs.path_for("a.wav") == folder / "a.wav"  # the exact name wins
    with pytest.raises(FileNotFoundError, match="several outputs match"):
        outputs.path_for("a.ogg")
    stereo = outputs.output_for("b.wav", (2, 160), SAMPLE_RATE)  # a mono output of a stereo input
    assert stereo.shape == (2, 160) and np.array_equal(stereo[0], stereo[1])
    np.testing.assert_allclose(stereo[0], np.linspace(-0.5, 0.5, 160), atol=1e-7)
    sf.write(folder / "c.wav", np.zeros((160, 2)), SAMPLE_RATE)
    with pytest.raises(ValueError, match="c.wav: 2 channels but the noisy file has 3"):
        outputs.output_for("c.wav", (3, 160), SAMPLE_RATE)
