"""Governance figures recomputed in plain Python from the inbox and compared with the release."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter, defaultdict

import pytest

from tests import independent
from tests.metrics import MIN_COUNT, keyed, median_in, month_of, parents, percent, released, suppressed_cells

FUNNEL = ["draft", "research", "deliberation", "voting", "decided", "delivery", "reviewed"]


@pytest.fixture(scope="module")
def platform(pipeline_run):
    folder = pipeline_run.inbox / "togetheros"
    groups = independent.load_groups(pipeline_run.inbox)
    proposals = {}
    for row in independent.ndjson(folder / "proposals.ndjson"):
        if row["proposal_id"] not in proposals or (row.get("updated_at") or "") >= (
            proposals[row["proposal_id"]].get("updated_at") or ""
        ):
            proposals[row["proposal_id"]] = row
    alive = {pid: p for pid, p in proposals.items() if not p.get("deleted_at") and p.get("scope_id") in groups}
    votes = {}
    for vote in independent.ndjson(folder / "proposal_votes.ndjson"):
        key = (vote["proposal_id"], vote["member_id"])
        if vote.get("vote_type") in independent.VOTE_TYPES and (
            key not in votes or (vote.get("updated_at") or "") > (votes[key].get("updated_at") or "")
        ):
            votes[key] = vote
    return {
        "folder": folder,
        "above": independent.ancestors(groups),
        "proposals": alive,
        "votes": list(votes.values()),
    }


def test_funnel_and_days_in_stage(pipeline_run, platform):
    changes = defaultdict(list)
    for change in independent.ndjson(platform["folder"] / "proposal_status_changes.ndjson"):
        changes[change["proposal_id"]].append(
            (change["from_status"], change["to_status"], independent.utc(change["changed_at"]))
        )
    reached, moved_on, days = Counter(), Counter(), defaultdict(list)
    for pid, proposal in platform["proposals"].items():
        created = independent.utc(proposal["created_at"])
        entered = {"draft": created}
        for _, to_status, at in changes[pid]:
            if to_status != "draft":
                entered[to_status] = min(at, entered.get(to_status, at))
        if proposal["status"] != "draft":
            current = independent.utc(proposal.get("updated_at") or proposal["created_at"])
            entered[proposal["status"]] = min(current, entered.get(proposal["status"], current))
        for stage, start in entered.items():
            if stage not in FUNNEL:
                continue
            exits = [at for from_status, _, at in changes[pid] if from_status == stage and at >= start]
            for group in platform["above"][proposal["scope_id"]]:
                key = (group, month_of(created.date()), stage)
                reached[key] += 1
                if exits:
                    moved_on[key] += 1
                    days[key].append(int((min(exits) - start).total_seconds()))
    rows = keyed(released(pipeline_run.release, "governance_funnel"), "group_id", "cohort_month", "stage")
    assert set(rows) == set(reached)
    for key, count in reached.items():
        row = rows[key]
        assert (row["proposals_reached"], row["proposals_moved_on"]) == (count, moved_on[key]), key
        assert row["median_days_in_stage"] == median_in(days[key], 86400), key
        assert row["stage_order"] == FUNNEL.index(key[2]) + 1


def test_decisions_threshold_blocks_and_minority_reports(pipeline_run, platform):
    tally = defaultdict(Counter)
    for vote in platform["votes"]:
        tally[vote["proposal_id"]][vote["vote_type"]] += 1
    expected = defaultdict(lambda: [0, 0, 0, 0, 0])
    for pid, proposal in platform["proposals"].items():
        if not proposal.get("decided_at"):
            continue
        votes = tally[pid]
        met = 2 * votes["consent"] > sum(votes.values()) and votes["block"] == 0
        flags = [
            1,
            proposal.get("decision_outcome") in ("approved", "amended"),
            met,
            votes["block"] > 0,
            bool(proposal.get("has_minority_report")),
        ]
        for group in platform["above"][proposal["scope_id"]]:
            key = (group, month_of(independent.utc(proposal["decided_at"]).date()))
            expected[key] = [a + int(b) for a, b in zip(expected[key], flags, strict=True)]
    rows = keyed(released(pipeline_run.release, "governance_decisions"), "group_id", "month")
    columns = [
        "proposals_decided",
        "proposals_approved",
        "proposals_threshold_met",
        "proposals_with_blocks",
        "proposals_with_minority_report",
    ]
    assert {k: [r[c] for c in columns] for k, r in rows.items()} == dict(expected)


def test_vote_turnout(pipeline_run, platform):
    above = platform["above"]
    voters = defaultdict(set)
    for event in independent.load_activity(pipeline_run.inbox):
        if event.verb == "proposal.voted" and event.group_id in above:
            for group in above[event.group_id]:
                voters[(group, month_of(event.ts.date()))].add(event.person)
    active = independent.active_members_monthly(pipeline_run.inbox)
    monthly = keyed(released(pipeline_run.release, "participation_monthly"), "group_id", "month")
    rows = keyed(released(pipeline_run.release, "governance_turnout"), "group_id", "month")
    assert set(rows) == set(voters)
    active_withheld = frozenset(key for key in voters if monthly[key]["is_suppressed"])
    counts = {key: len(people) for key, people in voters.items()}
    withheld = suppressed_cells(counts, parents(above), also_withheld=active_withheld)
    for key, people in voters.items():
        row = rows[key]
        if key in withheld:
            assert row["is_suppressed"] and row["voters"] is None and row["turnout_pct"] is None, key
        else:
            expected = (len(people), active[key], percent(len(people), active[key]))
            assert (row["voters"], row["active_members"], row["turnout_pct"]) == expected, key
            assert not row["is_suppressed"]


def test_decidim_proposals_and_supports(pipeline_run, platform):
    spaces = independent.space_groups(pipeline_run.inbox)
    expected = defaultdict(lambda: [0, None])
    for path in sorted((pipeline_run.inbox / "decidim").glob("*-open-data.zip")):
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith("-open-data-proposals.csv"))
            rows = csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig")), delimiter=";")
            for proposal in rows:
                group = spaces.get(("decidim", proposal["component/id"]))
                if proposal.get("withdrawn") == "true" or not proposal.get("published_at") or group is None:
                    continue
                month = month_of(independent.utc(proposal["published_at"]).date())
                state = proposal.get("state") or "not_answered"
                for ancestor in platform["above"][group]:
                    cell = expected[(ancestor, month, state)]
                    cell[0] += 1
                    if proposal.get("votes"):
                        cell[1] = (cell[1] or 0) + int(proposal["votes"])
    rows = keyed(released(pipeline_run.release, "governance_decidim_proposals"), "group_id", "month", "state")
    assert {k: [r["proposals"], r["supports"]] for k, r in rows.items()} == dict(expected)


def test_support_points_allocated(pipeline_run, platform):
    initiatives = {
        i["initiative_id"]: i["group_id"] for i in independent.ndjson(platform["folder"] / "initiatives.ndjson")
    }
    totals = defaultdict(lambda: [0, 0, set()])
    for allocation in independent.ndjson(platform["folder"] / "support_points_allocations.ndjson"):
        if allocation.get("status") != "active" or not 1 <= allocation.get("amount", 0) <= 10:
            continue
        target = allocation["target_id"]
        if allocation["target_type"] == "proposal":
            group = platform["proposals"].get(target, {}).get("scope_id")
        else:
            group = initiatives.get(target) if allocation["target_type"] == "initiative" else None
        for ancestor in platform["above"].get(group, []):
            cell = totals[(ancestor, month_of(independent.utc(allocation["created_at"]).date()))]
            cell[0] += 1
            cell[1] += allocation["amount"]
            cell[2].add(allocation["member_id"])
    rows = keyed(released(pipeline_run.release, "governance_support_points"), "group_id", "month")
    assert set(rows) == set(totals)
    withheld = suppressed_cells({key: len(cell[2]) for key, cell in totals.items()}, parents(platform["above"]))
    for key, (allocations, points, people) in totals.items():
        row = rows[key]
        if key in withheld:
            assert row["is_suppressed"] and row["allocators"] is None and row["points_allocated"] is None
        else:
            assert (row["allocations"], row["points_allocated"], row["allocators"]) == (
                allocations,
                points,
                len(people),
            ), key


TALLY = ["votes_cast", "consents", "concerns", "abstentions", "blocks"]


def test_decision_history_tallies_are_withheld_below_the_threshold(pipeline_run, platform):
    tally = defaultdict(Counter)
    for vote in platform["votes"]:
        tally[vote["proposal_id"]][vote["vote_type"]] += 1
    decided = {pid: p for pid, p in platform["proposals"].items() if p.get("decided_at")}
    history = released(pipeline_run.release, "governance_decision_history")
    rows = {
        key: row for (key,), row in keyed((r for r in history if r["source"] == "togetheros"), "proposal_id").items()
    }
    assert set(rows) == set(decided)
    shown = withheld = 0
    for pid, proposal in decided.items():
        votes, row = tally[pid], rows[pid]
        cast = sum(votes.values())
        assert row["group_id"] == proposal["scope_id"], pid
        assert row["decided_on"] == independent.utc(proposal["decided_at"]).date(), pid
        assert row["outcome"] == proposal["decision_outcome"], pid
        assert row["is_threshold_met"] == (2 * votes["consent"] > cast and votes["block"] == 0), pid
        assert row["has_minority_report"] == bool(proposal.get("has_minority_report")), pid
        if cast < MIN_COUNT:  # a small vote never shows how few voted which way
            withheld += 1
            assert row["is_suppressed"] and [row[c] for c in TALLY] == [None] * 5, (pid, cast, row)
        else:
            shown += 1
            expected = [cast, votes["consent"], votes["concern"], votes["abstain"], votes["block"]]
            assert not row["is_suppressed"] and [row[c] for c in TALLY] == expected, pid
    assert shown and withheld  # the demo has both


def test_stage_changes_hold_every_recorded_move_and_one_current_stage(pipeline_run, platform):
    moves = {
        (c["proposal_id"], c["from_status"], c["to_status"], independent.utc(c["changed_at"]))
        for c in independent.ndjson(platform["folder"] / "proposal_status_changes.ndjson")
        if c["proposal_id"] in platform["proposals"]
    }
    rows = released(pipeline_run.release, "governance_stage_changes")
    recorded = Counter(
        (r["proposal_id"], r["from_stage"], r["stage"], r["changed_on"])
        for r in rows
        if r["recorded_as"] == "status_change"
    )
    assert recorded == Counter((pid, old, new, at.date()) for pid, old, new, at in moves)
    created = Counter(r["proposal_id"] for r in rows if r["recorded_as"] == "created")
    current = {r["proposal_id"]: r["stage"] for r in rows if r["is_current"]}
    assert created == Counter(set(platform["proposals"])) and len(current) == sum(r["is_current"] for r in rows)
    assert current == {pid: p["status"] for pid, p in platform["proposals"].items()}
    for row in rows:
        assert row["group_id"] == platform["proposals"][row["proposal_id"]]["scope_id"]
