"""The daemon benchmark's verdicts, Markdown table and PNG chart (matplotlib, the `bench` extra)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

SCRAPER, FLOOR, PER_CHECK, PER_SCRIPT = ("scraper", "bare Playwright (floor)", "browser per check",
                                         "script per check")
LOWER_IS_BETTER = {"peak_rss_mib", "peak_pss_mib", "steady_growth", "extract_5000_s", "diff_10000_s",
                   "db_growth_per_1000_mib", "ready_10000_s", "idle_cpu_percent"}


def figures(results: dict[str, Any]) -> dict[str, float]:
    """The figures the limits apply to. The ratios: the worst concurrency in a full run; the median
    one in a quick run, whose single round per concurrency one noisy neighbour can spoil."""
    rates = results["checks_per_min"]
    levels = sorted(rates[SCRAPER])
    steady = results["steady"]
    pick = min if results["mode"] == "full" else statistics.median
    small = {}
    if "small" in results:  # the small pages (issue 25); results from before it lack them
        by = results["small"]["checks_per_min"]
        small["vs_floor_small"] = pick(by[SCRAPER][c] / by[FLOOR][c] for c in sorted(by[SCRAPER]))
    return {
        **small,
        "vs_floor": pick(rates[SCRAPER][c] / rates[FLOOR][c] for c in levels),
        "vs_per_check": pick(rates[SCRAPER][c] / rates[PER_CHECK][c] for c in levels),
        "peak_rss_mib": results["peak_rss_mib"][max(levels)],
        "peak_pss_mib": results["peak_pss_mib"][max(levels)],
        "steady_growth": steady["growth"],
        "extract_5000_s": results["extract_5000"]["seconds"],
        "diff_10000_s": results["diff_10000"]["seconds"],
        "db_growth_per_1000_mib": steady["db_growth_per_1000_mib"],
        "ready_10000_s": results["many_watches"]["ready_s"],
        "idle_cpu_percent": results["many_watches"]["idle_cpu_percent"],
    }


def verdicts(results: dict[str, Any], limits: dict[str, float]) -> list[dict[str, Any]]:
    values = figures(results)
    return [{"figure": name, "value": round(values[name], 3), "limit": limit,
             "met": values[name] <= limit if name in LOWER_IS_BETTER else values[name] >= limit}
            for name, limit in limits.items() if name in values]


def markdown(results: dict[str, Any]) -> str:
    rates = results["checks_per_min"]
    levels = sorted(rates[SCRAPER])
    lines = [
        f"Daemon benchmark ({results['mode']} run): {results['pages']} pages x {results['rounds']} "
        f"round(s) per concurrency, {results['cpus']} CPUs, load {results['load_before']:.1f} before "
        f"and {results['load_after']:.1f} after.",
        "",
        "| checks/min | " + " | ".join(f"concurrency {c}" for c in levels) + " |",
        "| --- | " + " | ".join("---:" for _ in levels) + " |",
    ]
    for name, by_c in rates.items():
        lines.append(f"| {name} | " + " | ".join(f"{by_c[c]:.0f}" for c in levels) + " |")
    lines.append("| scraper / floor | " + " | ".join(
        f"{rates[SCRAPER][c] / rates[FLOOR][c]:.2f}x" for c in levels) + " |")
    for name in (PER_CHECK, PER_SCRIPT):
        if name in rates:  # results from before the script-per-check contender lack it
            lines.append(f"| scraper / {name} | " + " | ".join(
                f"{rates[SCRAPER][c] / rates[name][c]:.2f}x" for c in levels) + " |")
    if "small" in results:
        small = results["small"]["checks_per_min"]
        lines += ["", "The small pages (about 30 KB, one comment fetched 300 ms after the script runs):", "",
                  "| checks/min | " + " | ".join(f"concurrency {c}" for c in levels) + " |",
                  "| --- | " + " | ".join("---:" for _ in levels) + " |"]
        for name, by_c in small.items():
            lines.append(f"| {name} | " + " | ".join(f"{by_c[c]:.0f}" for c in levels) + " |")
        lines.append("| scraper / floor | " + " | ".join(
            f"{small[SCRAPER][c] / small[FLOOR][c]:.2f}x" for c in levels) + " |")
    lines += ["", "| figure | value | target | met |", "| --- | ---: | ---: | --- |"]
    for v in results["verdicts"]:
        lines.append(f"| {v['figure']} | {v['value']} | {v['limit']} | {'yes' if v['met'] else '**no**'} |")
    steady, many = results["steady"], results["many_watches"]
    lines += [
        "",
        "Peak memory of the process tree while the scraper checked (sum of RSS / PSS): "
        + ", ".join(f"{v} / {results['peak_pss_mib'][c]} MiB at concurrency {c}"
                    for c, v in results["peak_rss_mib"].items())
        + f". After {steady['early']} checks {steady['rss_after_early_mib']} / "
        f"{steady['pss_after_early_mib']} MiB, after {steady['checks']} {steady['rss_after_all_mib']} / "
        f"{steady['pss_after_all_mib']} MiB; the database grew "
        f"{steady['db_growth_mib']} MiB over {steady['checks']} unchanged checks. "
        f"{many['watches']:,} watches: ready in {many['ready_s']} s, idle CPU "
        f"{many['idle_cpu_percent']}% of one core over {many['idle_window_s']} s.",
        "",
    ]
    return "\n".join(lines)


def chart(results: dict[str, Any], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    rates = results["checks_per_min"]
    levels = sorted(rates[SCRAPER])
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=100)
    width = 0.8 / len(rates)
    for i, (name, by_c) in enumerate(rates.items()):
        xs = [j + i * width for j in range(len(levels))]
        bars = ax.bar(xs, [by_c[c] for c in levels], width, label=name)
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    ax.set_xticks([j + width * (len(rates) - 1) / 2 for j in range(len(levels))],
                  [f"concurrency {c}" for c in levels])
    ax.set_ylabel("checks per minute")
    ax.set_title(f"scraper run vs the bare-Playwright floor ({results['cpus']} CPUs, "
                 f"{results['pages']} pages, {results['mode']} run)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
