"""Export: TorchScript and ONNX (onnxruntime) match the PyTorch model, offline and step by step."""
import json

import numpy as np
import onnxruntime as ort
import pytest
import torch

from senhance.registry import load


@pytest.fixture(scope="module")
def exported(tmp_path_factory, make_tiny_bandnet):
    from senhance.checkpoint import save_package

    model = make_tiny_bandnet()
    folder = tmp_path_factory.mktemp("export")
    save_package(folder / "tiny.pt", model, sample_rate=8000)
    # through senhance-export's config and run(), as the command line does
    from senhance.cli._command import compose
    from senhance.cli.export import run

    cfg = compose("export", [f"model={folder / 'tiny.pt'}", f"output={folder}", "stem=tiny"])
    description = run(cfg)
    assert sorted(description["files"].values()) == ["onnx_runner.py", "tiny.offline.onnx", "tiny.offline.ts",
                                                      "tiny.step.onnx", "tiny.step.ts"]
    return load(folder / "tiny.pt").module, folder


@pytest.mark.parametrize("length", [37, 1000, 5003])
def test_offline_graphs_match_pytorch(exported, length):
    model, folder = exported
    x = 0.3 * torch.randn(1, length)
    with torch.no_grad():
        reference = model(x[:, None])[:, 0].numpy()
        scripted = torch.jit.load(str(folder / "tiny.offline.ts"))(x).numpy()
    onnx_out = ort.InferenceSession(str(folder / "tiny.offline.onnx")).run(None, {"noisy": x.numpy()})[0]
    assert np.abs(reference - x.numpy()).max() > 1e-2  # the model changes the audio
    np.testing.assert_allclose(scripted, reference, atol=1e-5)
    np.testing.assert_allclose(onnx_out, reference, atol=1e-5)


def test_step_graphs_match_frame_by_frame(exported):
    model, folder = exported
    description = json.loads((folder / "tiny.export.json").read_text())
    names = list(description["step"]["state"])
    session = ort.InferenceSession(str(folder / "tiny.step.onnx"))
    scripted = torch.jit.load(str(folder / "tiny.step.ts"))
    spec = 0.3 * torch.randn(1, model.n_fft // 2 + 1, 12, 2)
    with torch.no_grad():
        reference, _ = model.forward_frames_real(spec, model.initial_state(1))  # all frames at once
    onnx_state = [t.numpy() for t in model.initial_state(1)]
    ts_state = tuple(model.initial_state(1))
    for n in range(spec.shape[2]):
        frame = spec[:, :, n:n + 1]
        out, *onnx_state = session.run(None, {"spec": frame.numpy(), **dict(zip(names, onnx_state))})
        np.testing.assert_allclose(out, reference[:, :, n:n + 1].numpy(), atol=1e-5)
        with torch.no_grad():
            ts_out, *ts_state = scripted(frame, *ts_state)
        np.testing.assert_allclose(ts_out.numpy(), reference[:, :, n:n + 1].numpy(), atol=1e-5)
    assert description["latency_samples"] == model.n_fft and description["hop_length"] == model.hop_length


def test_export_rejects_unknown_format(tmp_path, exported):
    from senhance.inference.export import export_model

    with pytest.raises(ValueError, match="formats"):
        export_model(exported[0], tmp_path, formats=("tflite",))


def test_export_refuses_a_baseline(tmp_path):
    from senhance.cli._command import compose
    from senhance.cli.export import run
    from senhance.errors import UsageError

    cfg = compose("export", ["model=wiener", f"output={tmp_path}"])
    with pytest.raises(UsageError, match="model=wiener: only spectral mask networks"):
        run(cfg)


def test_default_configuration_exports_with_onnxruntime_parity(default_checkpoint, tmp_path):
    """The default model (configs/model/default.yaml, freshly initialised): offline and step ONNX graphs
    match PyTorch on 1 s of 16 kHz audio / frame by frame."""
    from senhance.cli._command import compose
    from senhance.cli.export import run

    cfg = compose("export", [f"model={default_checkpoint}", f"output={tmp_path}", "stem=default"])
    description = run(cfg)
    assert {"default.offline.onnx", "default.step.onnx"} <= set(description["files"].values())
    model = load(default_checkpoint).module
    assert (model.n_fft, model.hop_length, model.hidden_size, model.num_layers) == (320, 160, 192, 2)
    torch.manual_seed(1)
    t = torch.arange(16000) / 16000
    x = (0.3 * torch.sin(2 * torch.pi * 220 * t) + 0.05 * torch.randn(16000))[None]  # (1, T): 1 s
    with torch.no_grad():
        reference = model(x[:, None])[:, 0].numpy()
    offline = ort.InferenceSession(str(tmp_path / "default.offline.onnx")).run(None, {"noisy": x.numpy()})[0]
    assert offline.shape == reference.shape == (1, 16000)
    assert np.abs(reference).max() > 0.1  # the comparison is not between two silent signals
    np.testing.assert_allclose(offline, reference, atol=1e-5)

    names = list(json.loads((tmp_path / "default.export.json").read_text())["step"]["state"])
    session = ort.InferenceSession(str(tmp_path / "default.step.onnx"))
    spec = 0.3 * torch.randn(1, model.n_fft // 2 + 1, 20, 2)
    with torch.no_grad():
        frames, _ = model.forward_frames_real(spec, model.initial_state(1))
    state = [s.numpy() for s in model.initial_state(1)]
    for n in range(spec.shape[2]):
        out, *state = session.run(None, {"spec": spec[:, :, n:n + 1].numpy(), **dict(zip(names, state))})
        np.testing.assert_allclose(out, frames[:, :, n:n + 1].numpy(), atol=1e-5)


def test_exports_of_two_runs_are_named_after_the_runs(tmp_path, exported):
    """`stem` unset: ``runs/a/checkpoints/best.pt`` exports as ``a.*``, so two runs' ``best.pt`` do not
    overwrite each other in one output folder."""
    import shutil

    from senhance.cli._command import compose
    from senhance.cli.export import run

    _, folder = exported
    for name in ("a", "b"):
        (tmp_path / name / "checkpoints").mkdir(parents=True)
        shutil.copyfile(folder / "tiny.pt", tmp_path / name / "checkpoints" / "best.pt")
    out = tmp_path / "exported"
    for name in ("a", "b"):
        run(compose("export", [f"model={tmp_path / name / 'checkpoints' / 'best.pt'}", f"output={out}",
                               "formats=[onnx]"]))
    assert {"a.step.onnx", "b.step.onnx", "a.export.json", "b.export.json"} <= {p.name for p in out.iterdir()}
    assert not list(out.glob("best.*"))
