"""The shipped ONNX streaming runner: from the export folder alone (the .onnx, the .json and the copied
onnx_runner.py), a deployer reproduces PyTorch, including the first 0.5 s where the initial state matters."""
import ast
import importlib.util
import json
import sys

import numpy as np
import pytest
import torch


@pytest.fixture(scope="module")
def exported(tmp_path_factory, make_tiny_bandnet):
    from senhance.inference.export import export_model

    model = make_tiny_bandnet().eval()
    folder = tmp_path_factory.mktemp("runner")
    export_model(model, folder, stem="tiny", formats=("onnx",))
    return model, folder


def _import_copied_runner(folder):
    spec = importlib.util.spec_from_file_location("copied_onnx_runner", folder / "onnx_runner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _signal(seconds, sample_rate, seed=3):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (0.3 * np.sin(2 * np.pi * 310 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def test_runner_is_copied_next_to_the_graphs_and_imports_only_numpy_and_onnxruntime(exported):
    _, folder = exported
    description = json.loads((folder / "tiny.export.json").read_text())
    assert description["files"]["runner"] == "onnx_runner.py"
    tree = ast.parse((folder / "onnx_runner.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and node.module}
    assert imported - set(sys.stdlib_module_names) - {"__future__"} == {"numpy", "onnxruntime"}


@pytest.mark.parametrize("chunk", [1, 50, 4000])
def test_runner_equals_pytorch_from_the_first_sample(exported, chunk):
    model, folder = exported
    runner = _import_copied_runner(folder)
    x = _signal(1.3, 8000)
    with torch.no_grad():
        reference = model(torch.from_numpy(x)[None, None])[0, 0].numpy()
    out = runner.enhance(folder / "tiny.export.json", x, chunk=chunk)
    assert out.shape == reference.shape
    head = 4000  # the first 0.5 s at 8 kHz, where the running means still remember their initial values
    assert np.abs(reference[:head] - x[:head]).max() > 1e-2  # the model changes the audio there
    np.testing.assert_allclose(out[:head], reference[:head], atol=1e-4)
    np.testing.assert_allclose(out, reference, atol=1e-4)


def test_json_holds_the_initial_state_values_and_the_framing(exported):
    """Independent of the runner: the recipe in the json, applied by hand with the step graph, equals
    PyTorch; with all-zero initial state it does not (so the values written down are needed)."""
    import onnxruntime as ort

    model, folder = exported
    description = json.loads((folder / "tiny.export.json").read_text())
    framing, step = description["framing"], description["step"]
    n_fft, hop = framing["n_fft"], framing["hop_length"]
    assert (framing["leading_zeros"], framing["drop_samples"]) == (n_fft - hop, n_fft - hop)
    n = np.arange(n_fft)
    window = np.asarray(framing["window"]["values"])
    np.testing.assert_allclose(window, np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)), atol=1e-7)
    for (name, entry), tensor in zip(step["state"].items(), model.initial_state(1)):
        np.testing.assert_array_equal(np.asarray(entry["initial"], dtype=np.float32).reshape(entry["shape"]),
                                      tensor.numpy())
    session = ort.InferenceSession(str(folder / description["files"]["onnx_step"]))
    x = _signal(0.5, 8000, seed=4)
    with torch.no_grad():
        reference = model(torch.from_numpy(x)[None, None])[0, 0].numpy()

    def by_hand(initial):
        padded = np.concatenate([np.zeros(framing["leading_zeros"]), x, np.zeros(n_fft)])
        frames = (padded.size - n_fft) // hop + 1
        state = list(initial)
        out = np.zeros(n_fft + (frames - 1) * hop)
        for index in range(frames):
            coefs = np.fft.rfft(padded[index * hop:index * hop + n_fft] * window)
            spec = np.stack([coefs.real, coefs.imag], -1).astype(np.float32)[None, :, None]
            result, *state = session.run(None, {"spec": spec, **dict(zip(step["state"], state))})
            out[index * hop:index * hop + n_fft] += np.fft.irfft(result[0, :, 0, 0] + 1j * result[0, :, 0, 1],
                                                                 n=n_fft) * window
        return out[framing["drop_samples"]:framing["drop_samples"] + x.size]

    initial = [np.asarray(e["initial"], dtype=np.float32).reshape(e["shape"]) for e in step["state"].values()]
    np.testing.assert_allclose(by_hand(initial), reference, atol=1e-4)
    zeros = [np.zeros_like(s) for s in initial]
    assert np.abs(by_hand(zeros) - reference).max() > 1e-3


def test_runner_follows_a_lookahead_model(tmp_path, make_tiny_bandnet):
    # two frames of lookahead: two more state tensors' worth of waiting frames and 2 hops more to drop
    from senhance.inference.export import export_model

    model = make_tiny_bandnet(lookahead_frames=2).eval()
    description = export_model(model, tmp_path, stem="ahead", formats=("onnx",))
    assert description["latency_samples"] == 64 + 2 * 32
    assert description["framing"]["drop_samples"] == 32 + 2 * 32
    runner = _import_copied_runner(tmp_path)
    x = _signal(0.7, 8000, seed=5)
    with torch.no_grad():
        reference = model(torch.from_numpy(x)[None, None])[0, 0].numpy()
    out = runner.enhance(tmp_path / "ahead.export.json", x, chunk=37)
    assert np.abs(reference - x).max() > 1e-2
    np.testing.assert_allclose(out, reference, atol=1e-4)
