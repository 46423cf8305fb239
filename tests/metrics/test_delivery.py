"""Delivery figures recomputed in plain Python from the inbox and compared with the release."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from datetime import date

import pytest

from tests import independent
from tests.metrics import keyed, median_in, month_of, percent, released

STALLED_AFTER_DAYS = 60


def day(text: str | None) -> date | None:
    stamp = independent.utc(text)
    return stamp.date() if stamp else None


def decidim_rows(inbox, entity: str) -> list[dict]:
    rows = []
    for path in sorted((inbox / "decidim").glob("*-open-data.zip")):
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith(f"-open-data-{entity}.csv"))
            text = archive.read(name).decode("utf-8-sig")
            rows += list(csv.DictReader(io.StringIO(text), delimiter=";"))
    return rows


@pytest.fixture(scope="module")
def delivery(pipeline_run):
    """Initiatives, milestones and approved decisions of both platforms, as the methodology defines them."""
    inbox = pipeline_run.inbox
    folder = inbox / "togetheros"
    groups = independent.load_groups(inbox)
    spaces = independent.space_groups(inbox)
    as_of = max(e.ts for e in independent.load_activity(inbox)).date()
    proposals = {p["proposal_id"]: p for p in independent.ndjson(folder / "proposals.ndjson")}

    milestones = [
        {
            "milestone_id": m["milestone_id"],
            "initiative_id": m["initiative_id"],
            "target_date": date.fromisoformat(m["target_date"]) if m.get("target_date") else None,
            "done": bool(m.get("completed")) or bool(m.get("completed_at")),
            "completed_on": day(m.get("completed_at")),
        }
        for m in independent.ndjson(folder / "milestones.ndjson")
    ]
    initiatives = []
    for i in independent.ndjson(folder / "initiatives.ndjson"):
        stamps = [day(i.get(k)) for k in ("created_at", "started_at", "delivered_at", "verified_at")]
        proposal = proposals.get(i.get("proposal_id")) or {}
        initiatives.append(
            {
                "initiative_id": i["initiative_id"],
                "group_id": i.get("group_id"),
                "proposal_id": i.get("proposal_id"),
                "decided_on": day(proposal.get("decided_at")) if not proposal.get("deleted_at") else None,
                "deadline": date.fromisoformat(i["deadline"]) if i.get("deadline") else None,
                "delivered_on": day(i.get("delivered_at") or i.get("verified_at")),
                "last_change": max(s for s in stamps if s),
                "source_url": None,  # the demo run sets no TOGETHEROS_URL (the dbt unit test covers the link)
            }
        )
    decidim_proposals = {
        p["id"]: p for p in decidim_rows(inbox, "proposals") if p.get("withdrawn") != "true" and p.get("published_at")
    }
    for r in decidim_rows(inbox, "results"):
        proposal_ids = [url.rsplit("/", 1)[-1] for url in r.get("proposal_urls", "").split(", ") if url]
        done = int(float(r["progress"] or 0)) >= 100
        if r.get("parent/id"):
            milestones.append(
                {
                    "milestone_id": f"decidim-result-{r['id']}",
                    "initiative_id": f"decidim-result-{r['parent/id']}",
                    "target_date": date.fromisoformat(r["end_date"]) if r.get("end_date") else None,
                    "done": done,
                    "completed_on": day(r["updated_at"]) if done else None,
                }
            )
            continue
        answered = decidim_proposals.get(proposal_ids[0] if proposal_ids else "", {}).get("answered_at")
        initiatives.append(
            {
                "initiative_id": f"decidim-result-{r['id']}",
                "group_id": spaces.get(("decidim", r["component/id"])),
                "proposal_id": f"decidim-proposal-{proposal_ids[0]}" if proposal_ids else None,
                "decided_on": day(answered),
                "deadline": date.fromisoformat(r["end_date"]) if r.get("end_date") else None,
                "delivered_on": day(r["updated_at"]) if done else None,
                "last_change": day(r["updated_at"]),
                "source_url": r.get("url") or None,  # the result's page, as the export gives it
            }
        )
    initiatives = [i for i in initiatives if i["group_id"]]
    by_initiative = defaultdict(list)
    for m in milestones:
        m["is_late"] = (
            m["completed_on"] > m["target_date"]
            if m["done"] and m["completed_on"] and m["target_date"]
            else (not m["done"] and m["target_date"] is not None and m["target_date"] < as_of)
        )
        by_initiative[m["initiative_id"]].append(m)
    for i in initiatives:
        steps = by_initiative[i["initiative_id"]]
        done_days = [m["completed_on"] for m in steps if m["completed_on"]]
        open_targets = [m["target_date"] for m in steps if not m["done"] and m["target_date"]]
        last_move = max([i["last_change"], *done_days])
        open_work = i["delivered_on"] is None
        i.update(
            milestones_total=len(steps),
            milestones_done=sum(m["done"] for m in steps),
            next_milestone_due=min(open_targets, default=None),
            is_overdue=open_work and i["deadline"] is not None and i["deadline"] < as_of,
            is_stalled=open_work and (as_of - last_move).days >= STALLED_AFTER_DAYS,
            last_progress_on=last_move,
            days_since_progress=(as_of - last_move).days if open_work else None,
        )
        i["days_overdue"] = (as_of - i["deadline"]).days if i["is_overdue"] else None

    decisions = [
        {"proposal_id": pid, "group_id": p.get("scope_id"), "decided_on": day(p["decided_at"])}
        for pid, p in proposals.items()
        if not p.get("deleted_at") and p.get("decided_at") and p.get("decision_outcome") in ("approved", "amended")
    ]
    decisions += [
        {
            "proposal_id": f"decidim-proposal-{p['id']}",
            "group_id": spaces.get(("decidim", p["component/id"])),
            "decided_on": day(p["answered_at"]),
        }
        for p in decidim_proposals.values()
        if p.get("state") == "accepted" and p.get("answered_at")
    ]
    return {
        "above": independent.ancestors(groups),
        "initiatives": initiatives,
        "milestones": [m for m in milestones if m["initiative_id"] in {i["initiative_id"] for i in initiatives}],
        "decisions": [d for d in decisions if d["group_id"] in groups],
    }


def test_initiatives_table(pipeline_run, delivery):
    rows = keyed(released(pipeline_run.release, "delivery_initiatives"), "initiative_id")
    columns = [
        "group_id",
        "proposal_id",
        "decided_on",
        "deadline",
        "delivered_on",
        "milestones_total",
        "milestones_done",
        "next_milestone_due",
        "is_overdue",
        "is_stalled",
        "days_overdue",
        "last_progress_on",
        "days_since_progress",
        "source_url",
    ]
    expected = {(i["initiative_id"],): [i[c] for c in columns] for i in delivery["initiatives"]}
    assert {k: [r[c] for c in columns] for k, r in rows.items()} == expected
    assert any(i["is_overdue"] for i in delivery["initiatives"])
    assert all("/results/" in r["source_url"] for r in rows.values() if r["source"] == "decidim")


def test_a_decidim_decision_links_to_its_proposals_page(pipeline_run):
    # the proposals export's `url`, for every accepted Decidim proposal the history carries
    pages = {f"decidim-proposal-{p['id']}": p.get("url") or None for p in decidim_rows(pipeline_run.inbox, "proposals")}
    history = [r for r in released(pipeline_run.release, "governance_decision_history") if r["source"] == "decidim"]
    assert history and all(r["source_url"] for r in history)
    assert all(r["source_url"] == pages[r["proposal_id"]] for r in history)


def test_milestone_timeline(pipeline_run, delivery):
    rows = keyed(released(pipeline_run.release, "delivery_milestones"), "milestone_id")
    expected = {
        (m["milestone_id"],): [m["initiative_id"], m["target_date"], m["completed_on"], m["is_late"]]
        for m in delivery["milestones"]
    }
    columns = ["initiative_id", "target_date", "completed_on", "is_late"]
    assert {k: [r[c] for c in columns] for k, r in rows.items()} == expected


def test_delivery_rates(pipeline_run, delivery):
    work = defaultdict(list)
    for initiative in delivery["initiatives"]:
        work[initiative["proposal_id"]].append(initiative)
    cohorts = defaultdict(lambda: {"approved": 0, "delivered": 0, "on_time": 0, "days": [], "overdue": 0, "stalled": 0})
    for decision in delivery["decisions"]:
        initiatives = work[decision["proposal_id"]]
        delivered = bool(initiatives) and all(i["delivered_on"] for i in initiatives)
        deadlines = [i["deadline"] for i in initiatives if i["deadline"]]
        for group in delivery["above"][decision["group_id"]]:
            cell = cohorts[(group, month_of(decision["decided_on"]))]
            cell["approved"] += 1
            cell["overdue"] += sum(i["is_overdue"] for i in initiatives)
            cell["stalled"] += sum(i["is_stalled"] for i in initiatives)
            if delivered:
                delivered_on = max(i["delivered_on"] for i in initiatives)
                cell["delivered"] += 1
                cell["on_time"] += bool(deadlines) and delivered_on <= max(deadlines)
                cell["days"].append((delivered_on - decision["decided_on"]).days)
    rows = keyed(released(pipeline_run.release, "delivery_rates"), "group_id", "decision_month")
    assert set(rows) == set(cohorts)
    for key, cell in cohorts.items():
        row = rows[key]
        assert [
            row["decisions_approved"],
            row["decisions_delivered"],
            row["delivered_on_time"],
            row["delivery_rate_pct"],
            row["on_time_rate_pct"],
            row["median_days_to_delivery"],
            row["initiatives_overdue"],
            row["initiatives_stalled"],
        ] == [
            cell["approved"],
            cell["delivered"],
            cell["on_time"],
            percent(cell["delivered"], cell["approved"]),
            percent(cell["on_time"], cell["delivered"]),
            median_in(cell["days"], 1),
            cell["overdue"],
            cell["stalled"],
        ], key
