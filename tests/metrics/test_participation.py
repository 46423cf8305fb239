"""Participation figures recomputed in plain Python from the inbox and compared with the release."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest

from tests import independent
from tests.metrics import (
    MIN_COUNT,
    assert_people_counts,
    keyed,
    median_in,
    month_of,
    released,
    rounded,
    suppressed_cells,
)


@pytest.fixture(scope="module")
def community(pipeline_run):
    groups = independent.load_groups(pipeline_run.inbox)
    events = independent.load_activity(pipeline_run.inbox)
    return {
        "above": independent.ancestors(groups),
        "parent_of": {g: row.get("parent_id") for g, row in groups.items()},
        "events": [e for e in events if e.group_id in groups],
    }


def people_by(community, period_of) -> dict[tuple, set[str]]:
    """Distinct people per (ancestor group, period) for events mapped to a period (None: skip)."""
    people = defaultdict(set)
    for event in community["events"]:
        period = period_of(event)
        if period is not None:
            for group in community["above"][event.group_id]:
                people[(group, *period)].add(event.person)
    return people


def test_monthly_active_members_with_secondary_suppression(pipeline_run, community):
    counts = {k: len(v) for k, v in people_by(community, lambda e: (month_of(e.ts.date()),)).items()}
    rows = keyed(released(pipeline_run.release, "participation_monthly"), "group_id", "month")
    assert_people_counts(rows, counts, "active_members", suppressed_cells(counts, community["parent_of"]))


def window_ends(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if d.weekday() == 6 or (d + timedelta(days=1)).day == 1]


def test_rolling_window_active_members(pipeline_run, community):
    days = sorted({e.ts.date() for e in community["events"]})
    active_on = defaultdict(set)  # (group, day) → people
    for event in community["events"]:
        for group in community["above"][event.group_id]:
            active_on[(group, event.ts.date())].add(event.person)
    groups = {group for group, _ in active_on}
    counts = {}
    for as_of in window_ends(days[0], days[-1]):
        for length in (7, 30):
            window = [as_of - timedelta(days=n) for n in range(length)]
            for group in groups:
                people = set().union(*(active_on.get((group, day), set()) for day in window))
                if people:
                    counts[(group, as_of, length)] = len(people)
    rows = keyed(released(pipeline_run.release, "participation_windows"), "group_id", "as_of", "window_days")
    assert_people_counts(rows, counts, "active_members", suppressed_cells(counts, community["parent_of"]))


def member_months(community) -> dict[tuple[str, str], Counter]:
    """(group, person) → contributions per month, for every group at or above the event's group."""
    months = defaultdict(Counter)
    for event in community["events"]:
        for group in community["above"][event.group_id]:
            months[(group, event.person)][month_of(event.ts.date())] += 1
    return months


def months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def test_cohort_retention(pipeline_run, community):
    counts = Counter()
    for (group, _), months in member_months(community).items():
        first = min(months)
        for month in months:
            counts[(group, first, months_between(first, month))] += 1
    rows = keyed(released(pipeline_run.release, "participation_cohorts"), "group_id", "cohort_month", "months_since")
    assert_people_counts(rows, dict(counts), "members", suppressed_cells(dict(counts), community["parent_of"]))


def test_new_and_returning_members(pipeline_run, community):
    counts = Counter()
    for (group, _), months in member_months(community).items():
        first = min(months)
        for month in months:
            counts[(group, month, "new" if month == first else "returning")] += 1
    monthly = keyed(released(pipeline_run.release, "participation_monthly"), "group_id", "month")
    withheld = {
        (group, month, kind)
        for group, month, kind in counts
        if monthly[(group, month)]["is_suppressed"]
        or any(counts.get((group, month, k), MIN_COUNT) < MIN_COUNT for k in ("new", "returning"))
    }
    rows = keyed(released(pipeline_run.release, "participation_member_flow"), "group_id", "month", "kind")
    assert_people_counts(rows, dict(counts), "members", withheld)


def gini(values: list[int]) -> float:
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    weighted = sum(rank * value for rank, value in enumerate(ordered, start=1))
    return rounded(2 * weighted - (n + 1) * total, n * total, 3)


def absence_factor(values: list[int]) -> int:
    total, running = sum(values), 0
    for k, value in enumerate(sorted(values, reverse=True), start=1):
        running += value
        if 2 * running >= total:
            return k
    raise AssertionError("unreachable")


def test_gini_and_absence_factor(pipeline_run, community):
    contributions = defaultdict(list)
    for (group, _), months in member_months(community).items():
        for month, count in months.items():
            contributions[(group, month)].append(count)
    rows = keyed(released(pipeline_run.release, "participation_inequality"), "group_id", "month")
    assert set(rows) == set(contributions)
    for key, values in contributions.items():
        row = rows[key]
        assert row["contributions"] == sum(values), key
        if len(values) < MIN_COUNT:
            assert row["gini"] is None and row["absence_factor"] is None and row["is_suppressed"], key
        else:
            assert (row["gini"], row["absence_factor"]) == (gini(values), absence_factor(values)), key
    assert any(row["gini"] is not None for row in rows.values())


# --- time to first response -----------------------------------------------------------------------


def latest(rows: list[dict], key: str, order: str) -> dict[str, dict]:
    result = {}
    for row in rows:
        if row[key] not in result or (row.get(order) or "") >= (result[row[key]].get(order) or ""):
            result[row[key]] = row
    return result


def togetheros_topics(inbox) -> list[tuple[str, datetime, datetime | None]]:
    """(group, opened, first reply by someone else) per TogetherOS topic."""
    folder = inbox / "togetheros"
    topics = latest(independent.ndjson(folder / "topics.ndjson"), "topic_id", "last_activity_at")
    posts = latest(independent.ndjson(folder / "forum_posts.ndjson"), "post_id", "updated_at")
    replies = defaultdict(list)
    for post in posts.values():
        topic = topics.get(post["topic_id"])
        if topic and not post.get("deleted_at") and post.get("author_id") != topic.get("author_id"):
            replies[post["topic_id"]].append(independent.utc(post["created_at"]))
    result = []
    for topic_id, topic in topics.items():
        opened = independent.utc(topic["created_at"])
        later = [ts for ts in replies[topic_id] if ts >= opened]
        if topic.get("group_id"):
            result.append((topic["group_id"], opened, min(later, default=None)))
    return result


def discourse_topics(inbox) -> list[tuple[str, datetime, datetime | None]]:
    """(group, opened, first reply by someone else) per public Discourse topic; the same filters as
    for activity (no private messages, whispers, hidden, deleted or system posts)."""
    folder, spaces = inbox / "discourse", independent.space_groups(inbox)
    topics, posts = {}, {}
    for path in sorted(folder.glob("latest_page_*.json")):
        for topic in json.loads(path.read_text())["topic_list"]["topics"]:
            topics.setdefault(topic["id"], topic)
    for path in sorted(folder.glob("t_*.json")):
        page = json.loads(path.read_text())
        if "id" in page:
            topics[page["id"]] = page
        for post in page["post_stream"]["posts"]:
            if post["id"] not in posts or post.get("version", 1) > posts[post["id"]].get("version", 1):
                posts[post["id"]] = post
    parents = {
        c["id"]: c.get("parent_category_id")
        for c in json.loads((folder / "categories.json").read_text())["category_list"]["categories"]
    }
    by_topic = defaultdict(dict)
    for post in posts.values():
        topic = topics.get(post["topic_id"])
        if not independent.is_members_public_post(post, topic):
            continue
        by_topic[post["topic_id"]][post["post_number"]] = post
    result = []
    for topic_id, numbered in by_topic.items():
        opener = numbered.get(1)
        category = topics[topic_id].get("category_id")
        group = spaces.get(("discourse", str(category))) or spaces.get(("discourse", str(parents.get(category))))
        if opener is None or group is None:
            continue
        replies = [
            independent.utc(p["created_at"]) for n, p in numbered.items() if n > 1 and p["user_id"] != opener["user_id"]
        ]
        result.append((group, independent.utc(opener["created_at"]), min(replies, default=None)))
    return result


def test_time_to_first_response(pipeline_run, community):
    opened, waits = Counter(), defaultdict(list)
    for group, created, first_reply in togetheros_topics(pipeline_run.inbox) + discourse_topics(pipeline_run.inbox):
        for ancestor in community["above"].get(group, []):
            key = (ancestor, month_of(created.date()))
            opened[key] += 1
            if first_reply is not None:
                waits[key].append(int((first_reply - created).total_seconds()))
    rows = keyed(released(pipeline_run.release, "participation_first_response"), "group_id", "month")
    assert set(rows) == set(opened)
    for key, count in opened.items():
        row = rows[key]
        assert (row["topics_opened"], row["topics_answered"]) == (count, len(waits[key])), key
        assert row["median_hours_to_first_response"] == median_in(waits[key], 3600), key
