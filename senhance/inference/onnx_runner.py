"""Reference streaming runner for a senhance ONNX export: numpy + onnxruntime only.

``senhance-export`` copies this file next to ``<stem>.step.onnx`` and ``<stem>.export.json``;
together they are all a deployment needs (this file imports nothing from senhance)::

    python onnx_runner.py model.export.json noisy.wav enhanced.wav   # 16-bit PCM mono WAV

or, from Python::

    runner = StreamingRunner("model.export.json")
    out = [runner.feed(chunk) for chunk in chunks] + [runner.flush()]   # 1-D float32 chunks

The recipe it follows is the one ``<stem>.export.json`` writes down under ``framing`` and
``step.state``:

1. ``leading_zeros`` (``n_fft - hop_length``) zeros go in front of the signal;
2. every ``hop_length`` samples, the last ``n_fft`` samples are windowed (``window.values``) and
   real-FFT'ed; real and imaginary parts are stacked into ``spec (1, F, 1, 2)``;
3. the step graph maps ``(spec, *state)`` to ``(out, *new_state)``; the state starts at the
   ``initial`` values of ``step.state`` (not zeros);
4. ``out`` is inverse-real-FFT'ed (``n = n_fft``), windowed again and overlap-added at
   ``hop_length`` (no normalisation);
5. the first ``drop_samples`` output samples are dropped (``leading_zeros`` plus the model's
   lookahead, ``lookahead_frames * hop_length``); at the end, zeros are fed until every
   input sample has come out (:meth:`StreamingRunner.flush`).
"""
from __future__ import annotations

import json
import sys
import wave
from pathlib import Path

import numpy as np
import onnxruntime


class StreamingRunner:
    """Feed 1-D float32 audio in chunks of any size; get the enhanced samples that are final."""

    def __init__(self, description_path):
        description_path = Path(description_path)
        description = json.loads(description_path.read_text())
        framing, step = description["framing"], description["step"]
        self.sample_rate = int(description["sample_rate"])
        self.n_fft, self.hop = int(framing["n_fft"]), int(framing["hop_length"])
        self.leading_zeros, self.drop_samples = int(framing["leading_zeros"]), int(framing["drop_samples"])
        self.window = np.asarray(framing["window"]["values"], dtype=np.float32)
        self.session = onnxruntime.InferenceSession(str(description_path.parent / description["files"]["onnx_step"]),
                                                    providers=["CPUExecutionProvider"])
        self.spec_name = step["spec_input"]
        self.state_names = list(step["state"])
        self.initial = [np.asarray(s["initial"], dtype=np.float32).reshape(s["shape"]) for s in step["state"].values()]
        self.reset()

    def reset(self) -> None:
        """Start a new stream."""
        self.state = [s.copy() for s in self.initial]
        self.buffer = np.zeros(self.leading_zeros, dtype=np.float32)  # input not yet consumed
        self.tail = np.zeros(self.n_fft - self.hop, dtype=np.float32)  # overlap-add carry
        self.to_drop, self.fed, self.emitted = self.drop_samples, 0, 0

    def _frame(self, frame: np.ndarray) -> np.ndarray:
        coefs = np.fft.rfft(frame * self.window)  # (F,)
        spec = np.stack([coefs.real, coefs.imag], axis=-1).astype(np.float32)[None, :, None, :]  # (1, F, 1, 2)
        out, *self.state = self.session.run(None, {self.spec_name: spec, **dict(zip(self.state_names, self.state))})
        chunk = np.fft.irfft(out[0, :, 0, 0] + 1j * out[0, :, 0, 1], n=self.n_fft).astype(np.float32) * self.window
        chunk[: self.tail.size] += self.tail
        self.tail = chunk[self.hop:].copy()
        return chunk[: self.hop]  # (hop,): final

    def _process(self) -> np.ndarray:
        pieces = []
        while self.buffer.size >= self.n_fft:
            pieces.append(self._frame(self.buffer[: self.n_fft]))
            self.buffer = self.buffer[self.hop:]
        out = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        drop = min(self.to_drop, out.size)
        out, self.to_drop = out[drop:], self.to_drop - drop
        self.emitted += out.size
        return out

    def feed(self, chunk) -> np.ndarray:
        """Push 1-D samples; returns the 1-D enhanced samples now final."""
        chunk = np.asarray(chunk, dtype=np.float32).reshape(-1)
        self.fed += chunk.size
        self.buffer = np.concatenate([self.buffer, chunk])
        return self._process()

    def flush(self) -> np.ndarray:
        """Finish the stream (zeros pushed through); returns the rest, then resets."""
        missing, pieces = self.fed - self.emitted, []
        while missing > 0:
            self.buffer = np.concatenate([self.buffer, np.zeros(self.hop, dtype=np.float32)])
            part = self._process()[:missing]
            pieces.append(part)
            missing -= part.size
        self.reset()
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def enhance(description_path, signal, chunk: int = 1600) -> np.ndarray:
    """Enhance a whole 1-D signal through :class:`StreamingRunner`, ``chunk`` samples at a time."""
    runner = StreamingRunner(description_path)
    signal = np.asarray(signal, dtype=np.float32).reshape(-1)
    pieces = [runner.feed(signal[start:start + chunk]) for start in range(0, signal.size, chunk)]
    return np.concatenate(pieces + [runner.flush()])


def _read_wav(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is read here")
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").reshape(-1, handle.getnchannels())
        return data.mean(axis=1).astype(np.float32) / 32768.0, handle.getframerate()


def _write_wav(path, signal: np.ndarray, sample_rate: int) -> None:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes((np.clip(signal, -1, 1 - 1 / 32768) * 32768).astype("<i2").tobytes())


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        print("usage: python onnx_runner.py MODEL.export.json NOISY.wav ENHANCED.wav", file=sys.stderr)
        return 2
    signal, rate = _read_wav(argv[1])
    expected = int(json.loads(Path(argv[0]).read_text())["sample_rate"])
    if rate != expected:
        print(f"{argv[1]}: {rate} Hz, the model needs {expected} Hz (resample first)", file=sys.stderr)
        return 1
    _write_wav(argv[2], enhance(argv[0], signal), rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
