"""The datasets' ``preemphasis`` option against scipy.signal.lfilter([1, -a], [1], x) of the plain items."""
import numpy as np
import pytest
from scipy.signal import lfilter

from senhance.data import MixDataset, PairedDataset

SR = 16000
COEFF = 0.9


def _emphasized(x: np.ndarray) -> np.ndarray:
    return lfilter([1.0, -COEFF], [1.0], np.asarray(x, dtype=np.float64), axis=-1)


@pytest.mark.parametrize("level_range", [(-30.0, -25.0), (-3.0, -1.0)])  # quiet, and loud: the peak limit acts
def test_mix_dataset_preemphasis(mix_corpus, cache_dir, level_range):
    common = dict(speech_dir=mix_corpus / "speech", noise_dir=mix_corpus / "noise", sample_rate=SR,
                  segment_seconds=0.25, examples_per_epoch=3, valid_fraction=0.3,
                  corpus_manifest=mix_corpus / "MANIFEST.tsv", split_file=mix_corpus.parent / "split.tsv",
                  cache_dir=cache_dir, seed=5, level_range=level_range, max_peak=0.99)
    plain, emphasized = MixDataset(**common), MixDataset(preemphasis=COEFF, **common)
    limited = 0
    for index in range(len(plain)):
        a, b = plain[index], emphasized[index]
        assert a["id"] == b["id"]
        noisy, clean = _emphasized(a["noisy"].numpy()), _emphasized(a["clean"].numpy())
        # the same peak limit (0.99) is applied again after pre-emphasis, one gain for both
        peak = max(np.abs(noisy).max(), np.abs(clean).max())
        scale = min(1.0, 0.99 / peak)
        limited += scale < 1.0
        np.testing.assert_allclose(b["noisy"].numpy(), scale * noisy, rtol=0, atol=1e-6)
        np.testing.assert_allclose(b["clean"].numpy(), scale * clean, rtol=0, atol=1e-6)
        assert not np.allclose(b["noisy"].numpy(), a["noisy"].numpy(), atol=1e-3)  # the option does something
    assert (limited > 0) == (level_range[1] > -10)  # the loud case exercises the limit, the quiet one never


@pytest.mark.parametrize("segment_seconds", [None, 0.2])
def test_paired_dataset_preemphasis(tmp_path, gen, cache_dir, segment_seconds):
    rng = np.random.default_rng(2)
    for name in ("p1_001", "p2_001"):
        clean = gen.voiced(0.5, SR, rng, pause=False)
        gen.write(tmp_path / f"clean/{name}.wav", clean, SR)
        gen.write(tmp_path / f"noisy/{name}.wav", clean + gen.noise("white", 0.5, SR, rng), SR)
    common = dict(noisy_dir=tmp_path / "noisy", clean_dir=tmp_path / "clean", sample_rate=SR,
                  segment_seconds=segment_seconds, seed=4, cache_dir=cache_dir)
    plain, emphasized = PairedDataset(**common), PairedDataset(preemphasis=COEFF, **common)
    for index in range(len(plain)):
        a, b = plain[index], emphasized[index]
        assert a["id"] == b["id"] and b["noisy"].shape == a["noisy"].shape
        for key in ("noisy", "clean"):
            np.testing.assert_allclose(b[key].numpy(), _emphasized(a[key].numpy()), rtol=0, atol=1e-6)
            assert not np.allclose(b[key].numpy(), a[key].numpy(), atol=1e-3)
    for bad in (-0.5, 1.0):
        with pytest.raises(ValueError, match=f"preemphasis={bad}"):
            PairedDataset(preemphasis=bad, **common)
