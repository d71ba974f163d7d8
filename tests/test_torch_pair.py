"""A torchaudio that does not load with the installed torch gets one sentence, and the rest keeps working.

The broken torchaudio is simulated in a subprocess: a folder on PYTHONPATH holds a ``torchaudio`` package
that raises the OSError a mismatched wheel raises, and a ``torchaudio-2.11.1.dist-info`` saying its
version. The pins the sentence must name are read from pyproject.toml here, independently of the code.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SYMBOL_ERROR = ("/site-packages/torchaudio/lib/_torchaudio.abi3.so: undefined symbol: "
                "torch_exception_get_what_without_backtrace")

PROBE = r"""
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import senhance
from senhance.torch_pair import TorchPairWarning, TorchPairError
import torch
from senhance.dsp import butter, sosfilt, sosfilt_lfilter
result = {"warnings": [str(w.message) for w in caught if issubclass(w.category, TorchPairWarning)],
          "torch": torch.__version__.split("+")[0]}
x = torch.linspace(-1, 1, 800, dtype=torch.float64)
result["sosfilt_ok"] = bool(torch.isfinite(sosfilt(x, butter(2, 100.0, sample_rate=8000))).all())
result["wiener_shape"] = list(senhance.load("wiener").enhance(0.1 * torch.randn(8000), 16000).shape)
try:
    sosfilt_lfilter(x, butter(2, 100.0, sample_rate=8000))
    result["lfilter_error"] = None
except Exception as error:
    result["lfilter_error"] = [type(error).__name__, str(error)]
print("RESULT " + json.dumps(result))
"""


def _pins() -> dict[str, str]:
    pins = {}
    for requirement in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]:
        name, _, version = requirement.partition("==")
        if name.strip() in ("torch", "torchaudio"):
            pins[name.strip()] = version.strip()
    return pins


def _run(code: str, tmp_path: Path, *, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture()
def broken_torchaudio(tmp_path) -> Path:
    """A folder with a torchaudio 2.11.1 whose import fails like a wheel built against another torch."""
    fake = tmp_path / "fake_site"
    (fake / "torchaudio").mkdir(parents=True)
    (fake / "torchaudio" / "__init__.py").write_text(f"raise OSError({SYMBOL_ERROR!r})\n")
    info = fake / "torchaudio-2.11.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: torchaudio\nVersion: 2.11.1\n")
    return fake


def _result(completed: subprocess.CompletedProcess) -> dict:
    assert completed.returncode == 0, completed.stderr[-3000:]
    line = next(l for l in completed.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def test_a_torchaudio_that_does_not_load_gets_one_sentence_and_the_rest_works(broken_torchaudio, tmp_path):
    pins = _pins()
    assert set(pins) == {"torch", "torchaudio"}, "pyproject.toml pins torch and torchaudio exactly"
    result = _result(_run(PROBE, tmp_path, pythonpath=broken_torchaudio))

    assert len(result["warnings"]) == 1, result["warnings"]
    sentence = result["warnings"][0]
    assert "\n" not in sentence and sentence.endswith(".")
    assert "torchaudio 2.11.1" in sentence and f"torch {result['torch']}" in sentence  # the versions found
    assert f"torch=={pins['torch']}" in sentence and f"torchaudio=={pins['torchaudio']}" in sentence  # the pair
    assert "undefined symbol" in sentence  # the reason, shortened, not a traceback

    assert result["sosfilt_ok"] and result["wiener_shape"] == [8000]  # what does not need torchaudio works
    kind, message = result["lfilter_error"]
    assert kind == "TorchPairError" and message == sentence  # the one function that needs it says the same


def test_the_sentence_reaches_stderr_when_senhance_is_imported(broken_torchaudio, tmp_path):
    completed = _run("import senhance", tmp_path, pythonpath=broken_torchaudio)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stderr.count("does not load with torch") == 1
    assert "Traceback" not in completed.stderr


def test_a_missing_torchaudio_is_not_a_broken_pair(tmp_path):
    """Absent (not broken): no warning at import; the reference filter says what to install."""
    code = "import sys; sys.modules['torchaudio'] = None\n" + PROBE
    result = _result(_run(code, tmp_path))
    assert result["warnings"] == []
    kind, message = result["lfilter_error"]
    assert kind == "ModuleNotFoundError" and "torchaudio is not installed" in message
    assert f"torchaudio=={_pins()['torchaudio']}" in message
