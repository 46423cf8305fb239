"""Results on disk: `<scale>.json` per run and a markdown table over every result in the folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.stages import STAGES

ROWS = ("generate", *STAGES)


def run_name(scale: int, cities: int | None) -> str:
    """A run's name, for its result file and its work folder: `<scale>` or `<scale>-cities<N>`."""
    return f"{scale}-cities{cities}" if cities else str(scale)


def save_json(result: dict, results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{run_name(result['scale_events'], result.get('cities'))}.json"
    path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return path


def _n(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _scale_section(r: dict) -> list[str]:
    cities = f", {r['cities']:,} city groups" if r.get("cities") else ""
    lines = [f"## {r['scale_events']:,} events ({r['members']:,} members{cities}) — {r['status']}", ""]
    if "counts" in r:
        c = r["counts"]
        lines += [
            f"Inbox {c['inbox_mib']:,.0f} MiB in {c['landing_files']:,} files; raw rows read "
            f"{c['raw_rows_read']:,} (quarantined {c['raw_rows_quarantined']:,}); public rows "
            f"{c['public_rows']:,}. Dagster import "
            f"{_n(r.get('import_seconds'))} s (not in the stages).",
            "",
        ]
    lines += ["| stage | wall s | peak RSS MiB | rows | rows/s | refresh s |", "|---|---:|---:|---:|---:|---:|"]
    refresh = r.get("refresh", {}).get("stages", {})
    for stage in ROWS:
        s = r["stages"].get(stage)
        if s is None:
            continue
        again = refresh.get(stage, {}).get("seconds")
        lines.append(
            f"| {stage} | {_n(s['seconds'], 2)} | {_n(s['peak_rss_mib'], 0)} | {s['rows']:,} | "
            f"{_n(s['rows_per_second'], 0)} | {_n(again, 2)} |"
        )
    if "pipeline_seconds" in r:
        lines.append(
            f"| **pipeline (land→release)** | **{_n(r['pipeline_seconds'], 2)}** | | | | "
            f"{_n(r.get('refresh', {}).get('seconds'), 2)} |"
        )
        lines.append(f"| total with generate | {_n(r['total_seconds'], 2)} | | | | |")
    lines.append("")
    if "lower_bound" in r:
        lb = r["lower_bound"]
        lines += [
            f"Lower bound (compiled dbt SQL, one DuckDB connection): {lb['models']} models "
            f"{_n(lb['models_seconds'], 2)} s + {lb['tests']} tests {_n(lb['tests_seconds'], 2)} s "
            f"= {_n(lb['seconds'], 2)} s.",
            "",
        ]
    if "direct_read" in r:
        d = r["direct_read"]
        lines += [
            f"Direct read of the inbox (DuckDB read_json, monthly active members per group, "
            f"TogetherOS + Discourse): {_n(d['seconds'], 2)} s, {d['group_months']:,} group-months.",
            "",
        ]
    if "dashboard" in r:
        board = r["dashboard"]
        # one column per group the pages were rendered for (older results: the federation only)
        scopes = board.get("scopes") or {"federation": {"group": board["group"], "pages": board["pages"]}}
        lines += [
            "| page | queries | "
            + " | ".join(f"{scope} p50 ms | {scope} p95 ms" for scope in scopes)
            + " | first render ms (federation) |",
            "|---|---:|" + "---:|---:|" * len(scopes) + "---:|",
        ]
        for page, p in board["pages"].items():
            cells = " | ".join(
                f"{_n(s['pages'][page]['p50_ms'])} | {_n(s['pages'][page]['p95_ms'])}" for s in scopes.values()
            )
            # older results have no first render (the release was not held in memory)
            lines.append(f"| {page} | {p['queries']} | {cells} | {_n(p['first_ms']) if 'first_ms' in p else '–'} |")
        groups = "; ".join(f"{scope}: {s['group']}" for scope, s in scopes.items())
        lines += [
            "",
            f"(groups: {groups}; {board['months']} months, {board['repeats']} cold-cache "
            f"repeats, queries from {board['source']})",
            "",
        ]
    if "ratios" in r:
        lines += ["| ratio | measured | target | met |", "|---|---:|---:|:---:|"]
        measured, targets, meets = (r["ratios"][k] for k in ("measured", "targets", "meets"))
        for name, value in measured.items():
            target = targets.get(name)
            met = ("yes" if meets[name] else "**no**") if name in meets else ""
            lines.append(f"| {name} | {_n(value, 3)} | {'≤ ' + _n(target, 2) if target else ''} | {met} |")
        lines.append("")
    if r.get("note"):  # how the run was made (machine load, what ran beside it), written with the result
        lines += [r["note"], ""]
    return lines


def _other_sections(readme: Path) -> list[str]:
    """The README's sections that no scale run writes (the crash, limits and serving harnesses' results,
    written by hand from their own json files): kept as they are."""
    if not readme.is_file():
        return []
    kept, keep = [], False
    for line in readme.read_text().splitlines():
        if line.startswith("## "):
            keep = not SCALE_HEADING.match(line)
        if keep:
            kept.append(line)
    return kept


SCALE_HEADING = re.compile(r"## [\d,]+ events ")


def write_table(results_dir: Path) -> Path:
    # only a scale run's result has `scale_events`; crash.json, limits.json and serving.json are other
    # harnesses' results in the same folder
    runs = (json.loads(p.read_text()) for p in sorted(results_dir.glob("*.json")))
    results = sorted((r for r in runs if "scale_events" in r), key=lambda r: (r["scale_events"], r.get("cities") or 0))
    lines = [
        "# Benchmark results",
        "",
        "Written by `uv run python -m bench` (see docs/scaling.md). Best of `repeat` runs per stage; "
        "peak RSS is this process plus its children (dbt). Ratios are against baselines measured in the "
        "same run.",
        "",
    ]
    for r in results:
        lines += _scale_section(r)
    path = results_dir / "README.md"
    others = _other_sections(path)
    path.write_text("\n".join(lines + others) + ("\n" if others else ""))
    return path
