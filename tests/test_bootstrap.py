"""scripts/bootstrap.sh's browser decision, run for real against this machine's apt."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bootstrap.sh"
# The old `apt-cache policy | grep -q` under pipefail lost its race in 47 of 50 runs here: four runs
# that all agree leave it about one chance in 100,000 of hiding (0.06 ** 4), at a fifth of the
# apt-cache time of the twenty this test used to run.
RUNS = 4


def which_browser(env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([str(SCRIPT), "--which-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def apt_says() -> str:
    """The answer read straight from apt, whole (no pipe to race): the package with a real
    candidate (not a snap stub), else playwright."""
    for package in ("chromium", "chromium-browser"):
        policy = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True).stdout
        found = re.search(r"Candidate: (\S+)", policy)
        if not found or found.group(1) == "(none)":
            continue
        show = subprocess.run(["apt-cache", "show", "--no-all-versions", package],
                              capture_output=True, text=True).stdout
        if not re.search(r"^(Pre-)?Depends:.*\bsnapd\b", show, flags=re.M):
            return f"apt {package}"
    return "playwright"


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="bootstrap supports Debian/Ubuntu (apt)")
def test_browser_decision_is_the_same_every_time() -> None:
    # Two at a time: each run is CPU-bound in apt-cache, and the machine has two cores.
    def answer(_: int) -> str:
        done = subprocess.run([str(SCRIPT), "--which-browser"], capture_output=True, text=True,
                              timeout=100)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(answer, range(RUNS)))
    assert answers == [apt_says()] * RUNS


def test_no_apt_means_playwright(tmp_path: Path) -> None:
    # A machine without apt or any Chromium: only the tools the decision step itself uses.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "readlink", "head", "grep", "id"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    out, err = which_browser(env).communicate(timeout=60)
    assert out == "playwright\n"
    assert "already here" not in err


def test_unknown_option_is_refused() -> None:
    done = subprocess.run([str(SCRIPT), "--tset"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "unknown option: --tset" in done.stderr
    assert "--which-browser" in done.stderr  # the usage


def test_present_chromium_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    env = {**os.environ, "SCRAPER_BROWSER": str(fake)}
    _, err = which_browser(env).communicate(timeout=60)
    assert f"a Chromium is already here: {fake} (bootstrap installs none)" in err
