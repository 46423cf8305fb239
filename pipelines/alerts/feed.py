"""Newly overdue or stalled initiatives and stale data, and the release's Atom feeds.

"Newly" means compared with the previous release: an initiative overdue there too is not announced
again. The overdue and stalled flags are the published `delivery_initiatives` columns (one definition,
made in dbt); a data area is stale when its latest data is older than `stale_after_days` on the day the
release is made. Entries carry ids, group ids, dates and day counts only: no person, no free text.

The release keeps `alerts/alerts.json` (every entry announced, newest first, the last `KEPT` of them,
carried over from the previous release) and one feed per group plus one for all, built from it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ALERTS_DIR = "alerts"
ALERTS_JSON = "alerts.json"
ALL_FEED = "all.atom"
KEPT = 200  # entries a feed keeps: enough for a reader that polls weekly
INITIATIVES = "delivery_initiatives"
ATOM = "http://www.w3.org/2005/Atom"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def feed_name(group_id: str) -> str:
    """The feed file of a group under alerts/: `<group_id>.atom`, or for an id that cannot name a file
    (other than letters, digits, . _ -) `group-<sha256 of the id, 16 hex>.atom` (alerts.json maps
    every group to its feed)."""
    if _SAFE_NAME.match(group_id) and group_id != "all":
        return f"{group_id}.atom"
    return f"group-{hashlib.sha256(group_id.encode()).hexdigest()[:16]}.atom"


def _flagged(table: pa.Table | None, column: str) -> dict[str, dict]:
    if table is None or column not in table.column_names:
        return {}
    if pa.types.is_boolean(table.schema.field(column).type):  # the few flagged rows, not all 57,000 at 10M
        table = table.filter(pc.fill_null(table[column], False))
    return {row["initiative_id"]: row for row in table.to_pylist() if row[column]}


def _day(value: str) -> date | None:
    return datetime.strptime(value[:10], "%Y-%m-%d").date() if value else None


def new_alerts(
    initiatives: pa.Table,
    previous_initiatives: pa.Table | None,
    area_as_of: Mapping[str, str],
    announced_ids: set[str],
    made_on: date,
    stale_after_days: int,
) -> list[dict]:
    """The alerts this release announces, in a stable order: initiatives overdue or stalled now and not
    in the previous release, then data areas stale now and not yet announced stale with that same
    latest date (`announced_ids`: the ids the previous release kept)."""
    as_of = _day(area_as_of.get("delivery", ""))
    alerts = []
    for kind, column in (("overdue", "is_overdue"), ("stalled", "is_stalled")):
        before = _flagged(previous_initiatives, column)
        for initiative_id, row in sorted(_flagged(initiatives, column).items()):
            if initiative_id in before:
                continue
            deadline = row.get("deadline")
            alerts.append(
                {
                    "kind": kind,
                    "id": f"{kind}/{initiative_id}",
                    "group_id": row["group_id"],
                    "initiative_id": initiative_id,
                    "source": row["source"],
                    "status": row["status"],
                    "deadline": deadline.isoformat() if deadline else None,
                    "days_overdue": (as_of - deadline).days if kind == "overdue" and as_of and deadline else None,
                    "as_of": as_of.isoformat() if as_of else None,
                }
            )
    for area, value in sorted(area_as_of.items()):
        latest = _day(value)
        if latest is None or (made_on - latest).days <= stale_after_days:
            continue
        if f"stale/{area}/{latest.isoformat()}" in announced_ids:
            continue
        alerts.append(
            {
                "kind": "stale",
                "id": f"stale/{area}/{latest.isoformat()}",
                "group_id": None,
                "area": area,
                "as_of": latest.isoformat(),
                "days_old": (made_on - latest).days,
                "stale_after_days": stale_after_days,
            }
        )
    return alerts


def _title(alert: dict) -> str:
    if alert["kind"] == "overdue":
        late = f", {alert['days_overdue']} days" if alert.get("days_overdue") is not None else ""
        return f"Overdue: initiative {alert['initiative_id']} (deadline {alert['deadline']}{late})"
    if alert["kind"] == "stalled":
        return f"Stalled: initiative {alert['initiative_id']} (status {alert['status']}, as of {alert['as_of']})"
    return f"Stale data: {alert['area']} has no data after {alert['as_of']} ({alert['days_old']} days old)"


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


def alert_link(alert: dict, dashboard_url: str) -> str | None:
    """Where a reader acts on an alert: the initiative's page of the dashboard (`/initiative?id=…`), or
    for stale data the dashboard itself; None when no dashboard address is configured."""
    if not dashboard_url:
        return None
    base = dashboard_url.rstrip("/")
    if alert.get("initiative_id"):
        return f"{base}/initiative?{urlencode({'id': alert['initiative_id']})}"
    return f"{base}/"


def atom_feed(feed_id: str, title: str, updated: str, entries: list[dict], dashboard_url: str = "") -> bytes:
    """An Atom 1.0 feed (RFC 4287) of announced alerts, newest first; with `dashboard_url`, the feed and
    each entry link to the dashboard's page where one acts on it."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "updated", updated)
    if dashboard_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=f"{dashboard_url.rstrip('/')}/")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "TogetherOS Transparency")
    for alert in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"urn:togetheros:alert:{alert['id']}")
        _text(entry, "title", _title(alert))
        _text(entry, "updated", alert["announced"])
        _text(entry, "category", "", term=alert["kind"])
        link = alert_link(alert, dashboard_url)
        if link:
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link)
        # the alert's fields, machine-readable (ids, dates and counts only)
        _text(
            entry, "content", json.dumps({k: v for k, v in alert.items() if v is not None}, sort_keys=True), type="text"
        )
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"


def previous_state(previous_dir: Path | None) -> tuple[pa.Table | None, list[dict]]:
    """The previous release's initiatives and its announced alerts (none before the first release)."""
    if previous_dir is None:
        return None, []
    parquet = previous_dir / "data" / f"{INITIATIVES}.parquet"
    kept = previous_dir / ALERTS_DIR / ALERTS_JSON
    return (
        pq.read_table(parquet) if parquet.is_file() else None,
        json.loads(kept.read_bytes())["alerts"] if kept.is_file() else [],
    )


def alert_files(
    alerts: list[dict], announced: list[dict], group_ids: list[str], created: str, dashboard_url: str = ""
) -> dict[str, bytes]:
    """The files of alerts/ (name → bytes): alerts.json with this release's new alerts and every one
    kept, and a feed per group and one for all (their entries linking to `dashboard_url`'s pages)."""
    new = [{**alert, "announced": created} for alert in alerts]
    kept = (new + announced)[:KEPT]
    feeds = {group_id: feed_name(group_id) for group_id in group_ids}
    document = {"new": new, "alerts": kept, "feeds": {"all": ALL_FEED, **feeds}}
    files = {ALERTS_JSON: (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()}
    files[ALL_FEED] = atom_feed(
        "urn:togetheros:alerts:all", "TogetherOS alerts: every group", created, kept, dashboard_url
    )
    for group_id in sorted(group_ids):
        mine = [a for a in kept if a.get("group_id") in (group_id, None)]
        files[feeds[group_id]] = atom_feed(
            f"urn:togetheros:alerts:group:{group_id}",
            f"TogetherOS alerts: group {group_id}",
            created,
            mine,
            dashboard_url,
        )
    return files
