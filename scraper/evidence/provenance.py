"""The provenance statement of a capture: what was captured, when, how, by which software, with
which profile, and what the network said. Pure: assembled from facts the recorders gathered."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

FORMAT = "scraper-provenance/1"


def profile_facts(name: str, extends: Sequence[str], dirs: Iterable[Path]) -> dict[str, Any]:
    """The profile used, with the SHA-256 of its file and of each file it extends (a later folder
    wins, as when profiles are loaded)."""
    found: dict[str, Path] = {}
    for folder in dirs:
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            found[path.stem] = path

    def one(profile: str) -> dict[str, Any]:
        path = found.get(profile)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path else None
        return {"name": profile, "file": str(path) if path else None, "sha256": digest}

    return {**one(name), "extends": [one(parent) for parent in extends]}


def assemble(
    *,
    started_at: str,
    ended_at: str,
    requested_url: str,
    final_url: str,
    software: Mapping[str, Any],
    session: Mapping[str, Any],
    profile: Mapping[str, Any],
    options: Mapping[str, Any],
    network: Mapping[str, Any],
    artifacts: Sequence[Mapping[str, Any]],
    record: Mapping[str, Any],
) -> dict[str, Any]:
    """The provenance document (provenance.json). `session` holds the Facts recorder's data."""
    return {
        "format": FORMAT,
        "started_at": started_at,
        "ended_at": ended_at,
        "case": options.get("case"),
        "note": options.get("note"),
        "requested_url": requested_url,
        "final_url": final_url,
        "redirects": session.get("redirects", []),
        "response": session.get("response"),
        "tls": session.get("tls"),
        "software": dict(software),
        "browser": session.get("browser"),
        "user_agent": session.get("user_agent"),
        "viewport": session.get("viewport"),
        "device_scale_factor": session.get("device_scale_factor"),
        "page_size": session.get("page_size"),
        "page_title": session.get("title"),
        "navigation_timing": session.get("navigation_timing"),
        "profile": dict(profile),
        "options": {k: v for k, v in options.items() if k not in ("case", "note")},
        "network": dict(network),
        "artifacts": [dict(a) for a in artifacts],
        "record": dict(record),
    }
