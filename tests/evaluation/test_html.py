"""report.html: every referenced file exists, paths are relative; renders in headless chromium (slow)."""
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from senhance.evaluation import evaluate

from eval_fixtures import make_corpus, stand_in_loader


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.references, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href"):
                self.references.append((tag, value))


@pytest.fixture
def report(tmp_path):
    noisy_dir, clean_dir = make_corpus(tmp_path / "data", n_files=3, seconds=1.0)
    out = tmp_path / "out"
    evaluate(noisy_dir=noisy_dir, clean_dir=clean_dir, output_dir=out, systems=["smooth", "gain"],
             metrics=["si_sdr", "stoi"], compare=["smooth", "gain"], examples=2, loader=stand_in_loader, progress=False)
    return out / "report.html"


def test_every_reference_is_relative_and_exists(report, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(report.parent, moved)  # the folder must work wherever it is put
    parser = _References()
    parser.feed((moved / "report.html").read_text())
    images = [v for tag, v in parser.references if tag == "img"]
    audios = [v for tag, v in parser.references if tag == "audio"]
    assert len(images) == len(audios) == 2 * 4  # 2 examples x (noisy, smooth, gain, clean)
    for _, value in parser.references:
        assert not value.startswith(("/", "file:", "http:", "https:")) and ".." not in Path(value).parts
        assert (moved / value).is_file(), value
    assert {"table", "img", "audio"} <= set(parser.tags)
    assert str(report.parent) not in (moved / "report.html").read_text()


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
def test_report_renders_in_headless_chromium(report, tmp_path):
    from PIL import Image

    chromium = _chromium()
    if chromium is None:
        pytest.fail("chromium is not installed (apt-get install -y chromium): this slow test needs it")
    screenshot = tmp_path / "shot.png"
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2400",
               f"--screenshot={screenshot}", report.as_uri()]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    if os.environ.get("SENHANCE_KEEP_SCREENSHOT"):  # to look at it: SENHANCE_KEEP_SCREENSHOT=/tmp/shot.png
        shutil.copy(screenshot, os.environ["SENHANCE_KEEP_SCREENSHOT"])
    assert screenshot.is_file() and screenshot.stat().st_size > 0
    pixels = np.asarray(Image.open(screenshot).convert("RGB")).astype(np.float64) / 255  # (H, W, 3)
    assert pixels.std() > 0.05  # not blank
    # The spectrograms (magma colour map) were loaded and drawn: many strongly saturated pixels.
    saturation = pixels.max(axis=2) - pixels.min(axis=2)
    assert (saturation > 0.4).mean() > 0.02
