"""Resident memory of a process tree, from /proc (Linux): the browser's, or the benchmark's."""

from __future__ import annotations

from pathlib import Path


def descendants(root: int) -> set[int]:
    """`root` and every process below it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parents.items() if p == pid and c not in tree]
        tree.update(children)
        frontier.extend(children)
    return tree


def rss_mib(pids: set[int]) -> float:
    total_kib = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total_kib += next((int(line.split()[1]) for line in status.splitlines()
                           if line.startswith("VmRSS:")), 0)
    return total_kib / 1024


def pss_mib(pids: set[int]) -> float:
    """Proportional set size: pages shared between processes (Chromium's many processes share most
    of their libraries) counted once in all, not once per process."""
    total_kib = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total_kib += next((int(line.split()[1]) for line in rollup.splitlines()
                           if line.startswith("Pss:")), 0)
    return total_kib / 1024


def tree_pss_mib(root: int) -> float:
    if not Path("/proc").is_dir():
        return 0.0
    return pss_mib(descendants(root))


def tree_rss_mib(root: int) -> float:
    """Resident memory of `root` and all its descendants, in MiB (0 where /proc is missing)."""
    if not Path("/proc").is_dir():
        return 0.0
    return rss_mib(descendants(root))
