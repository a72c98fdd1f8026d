"""An installed wheel carries what the tool needs outside a checkout: the built-in profiles, the
demo site's files, the database migrations and the report templates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import run_ok

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from scraper.config.settings import load_settings
from scraper.profiles import load_profiles
from scraper.store import head_revision
from scraper.demo.site import DemoSite
from scraper.reports.render import render
from scraper.reports.report import Report, ReportItem
import scraper
settings = load_settings()
item = ReportItem(watch="w", url="https://example.org/", checked_at="2026-01-01T00:00:00Z",
                  changes=[{"kind": "article_changed", "field": "likes", "old": 1, "new": 2}])
report = render(Report(items=[item]))
with DemoSite() as site:
    import urllib.request
    page = urllib.request.urlopen(site.article_url).read().decode()
print(json.dumps({
    "package": scraper.__file__,
    "profile_dirs": [str(d) for d in settings.profile_dirs],
    "profiles": sorted(load_profiles(settings.profile_dirs)),
    "head": head_revision(),
    "demo": "entry-title" in page,
    "report": "Other changes" in report.html and "likes: 1 → 2" in report.text,
}))
"""


@pytest.mark.slow  # builds and installs a wheel: 15 s on a quiet machine
def test_installed_wheel_has_profiles_demo_and_migrations(tmp_path: Path) -> None:
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(REPO)], check=True)
    (wheel,) = wheels.glob("scraper-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "SCRAPER_PROFILES"}
    env["PYTHONPATH"] = str(target)  # ahead of the editable checkout
    out = run_ok([sys.executable, "-c", PROBE], cwd=tmp_path, env=env).stdout
    found = json.loads(out)
    assert found["package"].startswith(str(target))
    assert found["profile_dirs"] == [str(target / "scraper" / "_profiles")]
    assert {"wordpress", "drupal", "isso", "generic"} <= set(found["profiles"])
    assert found["head"] and found["demo"] is True and found["report"] is True
