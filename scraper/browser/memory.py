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


def _sum_kib(pids: set[int], name: str, key: str) -> float:
    """The sum of one `key:  N kB` line of /proc/PID/`name` over the processes, in MiB."""
    total_kib = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/{name}").read_text()
        except OSError:
            continue
        total_kib += next((int(line.split()[1]) for line in text.splitlines()
                           if line.startswith(key)), 0)
    return total_kib / 1024


def rss_mib(pids: set[int]) -> float:
    """Resident set size: pages shared between processes counted once per process."""
    return _sum_kib(pids, "status", "VmRSS:")


def pss_mib(pids: set[int]) -> float:
    """Proportional set size: pages shared between processes (Chromium's many processes share most
    of their libraries) counted once in all, not once per process."""
    return _sum_kib(pids, "smaps_rollup", "Pss:")


def tree_pss_mib(root: int) -> float:
    if not Path("/proc").is_dir():
        return 0.0
    return pss_mib(descendants(root))


def tree_rss_mib(root: int) -> float:
    """Resident memory of `root` and all its descendants, in MiB (0 where /proc is missing)."""
    if not Path("/proc").is_dir():
        return 0.0
    return rss_mib(descendants(root))
