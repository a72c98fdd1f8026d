"""The README's dashboard picture is taken by the project itself: this runs the very script that
made docs/dashboard.png (demo site, real checks through the API, a real uvicorn server, the
project's browser), into a temporary file."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.pages import REPO

SCRIPT = REPO / "scripts" / "dashboard_png.py"


@pytest.mark.browser
def test_the_dashboard_picture_is_taken_by_the_project(tmp_path: Path) -> None:
    output = tmp_path / "dashboard.png"
    done = subprocess.run([sys.executable, str(SCRIPT), "--output", str(output)],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr
    data = output.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1360, 1000)
    assert len(data) > 50_000  # a drawn page, not a blank one
