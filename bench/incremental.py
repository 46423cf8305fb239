"""One new day on top of the history: what a daily refresh adds to the inbox.

The day's TogetherOS activity is written as new NDJSON files in a dated subfolder
(`togetheros/<day>/<table>.ndjson`: the parser takes the entity from the file's stem), so the landing and
raw load see exactly one new file per table while every older file stays as it was.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

# Tables that grow by the day, with their id column and the timestamps to move onto the new day.
DAILY_TABLES = {
    "forum_posts": ("post_id", ("created_at", "updated_at")),
    "support_points_allocations": ("allocation_id", ("created_at",)),
    "timebank_transactions": ("transaction_id", ("created_at", "confirmed_at")),
    "sh_transactions": ("transaction_id", ("created_at",)),
}
NAMESPACE = uuid.UUID("6f1d3c1e-6a4e-4d6b-9a43-0b3c5f1b2e77")  # new ids are deterministic


def _records(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue  # a planted malformed line; it is already quarantined in the history
    return rows


def _on_day(stamp: str | None, day: date) -> str | None:
    if not stamp:
        return stamp
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return datetime.combine(day, moment.timetz()).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_day(inbox: Path, day: date, days_of_history: int) -> dict[str, int]:
    """Write one day's worth of each growing table (its average daily volume), moved onto `day`."""
    folder = inbox / "togetheros" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for table, (id_column, stamps) in DAILY_TABLES.items():
        source = inbox / "togetheros" / f"{table}.ndjson"
        if not source.exists():
            continue
        rows = [r for r in _records(source) if r.get(id_column)]
        per_day = max(1, len(rows) // days_of_history)
        latest = sorted(rows, key=lambda r: str(r.get(stamps[0]) or ""))[-per_day:]
        with (folder / f"{table}.ndjson").open("w", encoding="utf-8") as out:
            for row in latest:
                row = dict(row, **{id_column: str(uuid.uuid5(NAMESPACE, f"{day}:{row[id_column]}"))})
                for column in stamps:
                    row[column] = _on_day(row.get(column), day)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        written[table] = len(latest)
    return written


def next_day(end: date) -> date:
    return end + timedelta(days=1)
