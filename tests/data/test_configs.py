"""Both data config groups compose through Hydra and instantiate on tiny generated folders."""
from pathlib import Path

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir

from senhance.cli.train import build_datasets
from senhance.data import MixDataset, PairedDataset

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture
def primary(tmp_path):
    """A stand-in primary config: the data group plus a top-level sample_rate, like configs/train.yaml."""
    folder = tmp_path / "primary"
    folder.mkdir()
    (folder / "standin.yaml").write_text(
        "defaults:\n  - data: mix\n  - _self_\nsample_rate: 8000\n"
        f"hydra:\n  searchpath:\n    - file://{CONFIGS}\n")
    return folder


def _compose(folder, name, overrides):
    with initialize_config_dir(config_dir=str(folder), version_base="1.3"):
        return compose(name, overrides=overrides)


def test_mix_group(primary, mix_corpus, cache_dir):
    cfg = _compose(primary, "standin", [f"data.speech_dir={mix_corpus / 'speech'}",
                                        f"data.noise_dir={mix_corpus / 'noise'}", "data.segment_seconds=0.25",
                                        "data.examples_per_epoch=3", f"data.cache_dir={cache_dir}",
                                        "data.snr_range=[0,5]", "data.valid_fraction=0.3",
                                        f"data.corpus_manifest={mix_corpus / 'MANIFEST.tsv'}"])
    train, valid = build_datasets(cfg.data)
    assert isinstance(train, MixDataset) and train.subset == "train" and valid.subset == "valid"
    assert train.options.snr_range == (0.0, 5.0) and len(train) == 3
    assert train[0]["noisy"].shape == (1, 2000)  # 0.25 s at the primary config's 8 kHz
    speakers = {e.relpath.split("-")[0] for e in train.speech}
    assert speakers and not speakers & {e.relpath.split("-")[0] for e in valid.speech}


def test_pairs_group(primary, tmp_path, gen, cache_dir):
    rng = np.random.default_rng(0)
    for name in ("p1_001", "p1_002", "p2_001", "p3_001"):
        clean = gen.voiced(0.3, 16000, rng)
        gen.write(tmp_path / f"clean/{name}.wav", clean, 16000)
        gen.write(tmp_path / f"noisy/{name}.wav", clean + 0.01, 16000)
    cfg = _compose(primary, "standin", ["data=pairs", f"data.noisy_dir={tmp_path / 'noisy'}",
                                        f"data.clean_dir={tmp_path / 'clean'}", "data.segment_seconds=0.1",
                                        "data.valid_fraction=0.25", "data.group_regex='^(p\\d+)_'",
                                        f"data.cache_dir={cache_dir}"])
    train, valid = build_datasets(cfg.data)
    assert isinstance(train, PairedDataset) and len(train) + len(valid) == 4
    assert train[0]["noisy"].shape == (1, 800)           # 0.1 s at 8 kHz (resampled on load)
    assert valid[0]["noisy"].shape == (1, 2400)          # whole 0.3 s utterance at 8 kHz
    assert torch.isfinite(valid[0]["clean"]).all()


@pytest.mark.parametrize("group", ["mix", "pairs"])
def test_groups_compose_with_the_real_train_config(group):
    cfg = _compose(CONFIGS, "train", [f"data={group}"])
    assert cfg.data.sample_rate == cfg.sample_rate and cfg.data._target_.startswith("senhance.data.")


RECIPE = ["data.speed_prob=0.2", "data.pitch_prob=0.1", "data.eq_prob=0.3", "data.telephone_prob=0.05",
          "data.narrowband_prob=0.1", "data.clip_prob=0.1", "data.second_noise_prob=0.2", "data.babble_prob=0.15",
          "data.reverb_prob=0.3", "data.reverb_target=dry", "data.level_range=[-45,-5]", "data.max_peak=null"]


def test_mix_augmentation_keys_default_off_and_reach_the_dataset(primary, mix_corpus, cache_dir):
    from omegaconf import OmegaConf

    from senhance.data import MixOptions

    base = ["sample_rate=16000", f"data.speech_dir={mix_corpus / 'speech'}", f"data.noise_dir={mix_corpus / 'noise'}",
            "data.segment_seconds=0.25", "data.examples_per_epoch=4", f"data.cache_dir={cache_dir}",
            "data.valid_fraction=0.3", f"data.corpus_manifest={mix_corpus / 'MANIFEST.tsv'}"]
    cfg = _compose(primary, "standin", base)
    defaults = MixOptions()
    for name in MixOptions.__dataclass_fields__:  # every option is a documented key, with the code's default
        value = OmegaConf.to_container(cfg.data)[name]
        assert (tuple(value) if isinstance(value, list) else value) == getattr(defaults, name), name
    assert build_datasets(cfg.data)[0].options == defaults
    cfg = _compose(primary, "standin", base + RECIPE)
    train, valid = build_datasets(cfg.data)
    assert train.options.babble_prob == 0.15 and train.options.max_peak is None
    assert train.options.level_range == (-45.0, -5.0) and valid.options == train.options
    for data in (train, valid):
        items = [data[i] for i in range(min(len(data), 4))]
        assert all(torch.isfinite(item["noisy"]).all() and item["noisy"].shape == item["clean"].shape
                   for item in items)

