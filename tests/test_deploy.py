"""Running as a service, tried for real: the systemd unit passes `systemd-analyze verify`, and the
Dockerfile builds (and the image runs scraper) wherever a Docker engine is available."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.processes import run_ok

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "deploy" / "scraper.service"
INSTALLED = "/opt/scraper/bin/scraper"


def _docker_engine() -> str | None:  # asked once, at collection
    """Why there is no engine to build with, or None when there is one."""
    docker = shutil.which("docker")
    if docker is None:
        return "no docker command"
    found = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=60)
    return None if found.returncode == 0 else "no Docker engine is running (`docker info` fails)"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_the_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    text = UNIT.read_text()
    assert f"ExecStart={INSTALLED} run" in text
    # verify also checks that ExecStart exists: point it at this test's own scraper.
    here = Path(sys.executable).parent / "scraper"
    assert here.is_file()
    unit = tmp_path / "scraper.service"
    unit.write_text(text.replace(INSTALLED, str(here)))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=120)
    # verify prints warnings (an unknown key, a bad value) but may still exit 0: both must be clean.
    assert (done.returncode, done.stderr.strip(), done.stdout.strip()) == (0, "", "")

    broken = tmp_path / "broken.service"
    broken.write_text(unit.read_text().replace("Type=exec", "Type=sometimes"))
    done = subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True,
                          text=True, timeout=120)
    assert "Failed to parse service type" in done.stderr  # the check can fail


NO_DOCKER = _docker_engine()


@pytest.mark.skipif(NO_DOCKER is not None, reason=f"cannot build the Dockerfile: {NO_DOCKER}")
@pytest.mark.timeout(2700)  # a whole image build (Chromium included): the steps' own bounds below
def test_the_docker_image_builds_and_runs_scraper() -> None:
    tag = f"scraper-test:{uuid.uuid4().hex[:12]}"
    try:
        subprocess.run(["docker", "build", "-t", tag, str(REPO)], check=True, timeout=1800)
        done = run_ok(["docker", "run", "--rm", tag, "--version"], timeout=300)
        assert done.stdout.startswith("scraper ")
        done = run_ok(["docker", "run", "--rm", "--entrypoint", "chromium", tag, "--version"],
                      timeout=300)
        assert "Chromium" in done.stdout
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=300)


WORKER_UNIT = REPO / "deploy" / "scraper-worker@.service"
COMPOSE = REPO / "deploy" / "compose.yaml"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_the_worker_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    text = WORKER_UNIT.read_text()
    assert f"ExecStart={INSTALLED} worker --threads" in text
    here = Path(sys.executable).parent / "scraper"
    unit = tmp_path / "scraper-worker@1.service"  # an instance of the template
    unit.write_text(text.replace(INSTALLED, str(here)))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=120)
    assert (done.returncode, done.stderr.strip(), done.stdout.strip()) == (0, "", "")


def test_the_compose_file_runs_every_role_on_commands_that_exist() -> None:
    import yaml

    from scraper.cli.commands import app

    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "scheduler", "worker", "dashboard"}
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["scheduler"]["command"][:3] == ["run", "--executor", "dramatiq"]
    assert services["worker"]["command"][0] == "worker"
    commands = {command.name for command in app.registered_commands}
    for role in ("scheduler", "worker", "dashboard"):
        assert services[role]["command"][0] in commands, role
        # Each role waits for the schema and the broker, and mounts the shared folder.
        assert services[role]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[role]["volumes"] == ["shared:/var/lib/scraper"]
        assert services[role]["environment"]["SCRAPER_EXECUTOR"] == "dramatiq"
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
