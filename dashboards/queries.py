"""Every query the dashboard makes, over the datasets of one release (`releases.Release`).

The queries run on an in-memory DuckDB connection over the release's Parquet files. They bind every
value, the Parquet path included, and are cached per release directory, so a new release (a new
directory) is picked up on the next rerun without stale results. Queries over a period of months take
`start` and `end` ('YYYY-MM' or a date) and bind them once, in `_read_period`, as `$start` and `$end`:
the first days of the period's first and last months.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboards.formatting import month_start
from dashboards.releases import Release

# The lifecycle order of a proposal (TogetherOS governance module); charts list stages in this order.
PROPOSAL_STAGES = (
    "draft", "research", "deliberation", "voting", "decided", "delivery", "reviewed", "archived",
)  # fmt: skip


# Fair-exchange bands (TogetherOS time bank), best first, and the time-balance buckets, owing → owed.
FAIR_EXCHANGE_BANDS = ("excellent", "good", "balanced", "warning", "critical", "provided_only")


BALANCE_BUCKETS = ("owes_over_10h", "owes_2h_to_10h", "within_2h", "owed_2h_to_10h", "owed_over_10h")


# Rolled-up datasets keyed by group × calendar month (column `month`), read by `group_months`.
GROUP_MONTH_DATASETS = frozenset(
    {
        "participation_member_flow", "participation_inequality", "participation_first_response",
        "governance_decisions", "governance_turnout", "governance_decidim_proposals",
        "governance_support_points", "treasury_fees", "local_value", "timebank_hours_monthly",
        "timebank_traders_monthly",
    }
)  # fmt: skip


_DATASET = "read_parquet($path)"  # how every query below names the dataset it reads


class _ReleaseDatabase:
    """An in-memory DuckDB database of one release: each dataset is read from its Parquet file into a
    table the first time a query needs it, so later queries scan memory instead of parsing the file again
    (a page makes up to 20 queries; at 500 city groups, opening the files was most of their time).

    Tables are named by this class (`dataset_<n>`), never after anything in the release, and created
    through DuckDB's relation API, so no SQL text is built from the descriptor's names."""

    def __init__(self) -> None:
        self.connection = duckdb.connect(":memory:")
        self._tables: dict[str, str] = {}  # dataset -> its table
        self._lock = threading.Lock()

    def table(self, dataset: str, path: str) -> str:
        with self._lock:
            if dataset not in self._tables:
                table = f"dataset_{len(self._tables)}"
                self.connection.read_parquet(path).to_table(table)
                self._tables[dataset] = table
            return self._tables[dataset]

    def group_subtrees(self, groups_path: str) -> None:
        """`group_subtree` (ancestor_id, group_id): every group with each group at or above it, itself
        included, so a query of a group's subtree binds one id (not a list that Streamlit hashes and
        DuckDB scans per row). `union` ends a cycle, should a release hold one."""
        with self._lock:
            if "group_subtree" not in self._tables:
                self.connection.execute(
                    "create table group_subtree as with recursive"
                    " release_groups as (select group_id, parent_id from read_parquet($path)),"
                    " walk(ancestor_id, group_id) as ("
                    " select group_id, group_id from release_groups"
                    " union select walk.ancestor_id, g.group_id from walk join release_groups g"
                    " on g.parent_id = walk.group_id"
                    ") select * from walk",
                    {"path": groups_path},
                )
                self._tables["group_subtree"] = "group_subtree"


@st.cache_resource(show_spinner=False, max_entries=4)
def _database(release_path: str) -> _ReleaseDatabase:
    # One per release directory (a release never changes); it locks no file.
    return _ReleaseDatabase()


@st.cache_data(show_spinner=False, max_entries=256)
def _query(
    release_path: str, dataset: str, path: str, groups_path: str | None, sql: str, params: tuple[tuple[str, Any], ...]
) -> pd.DataFrame:
    database = _database(release_path)
    table = database.table(dataset, path)
    if groups_path:
        database.group_subtrees(groups_path)
    # A cursor per query: the cached database is shared by every session's thread. The dataset's table
    # takes the place of its file: a name of this module's own (`dataset_<n>`), the values stay bound.
    cursor = database.connection.cursor()
    try:
        return cursor.execute(sql.replace(_DATASET, table), dict(params)).df()
    finally:
        cursor.close()


def _read(release: Release, dataset: str, sql: str, **params: Any) -> pd.DataFrame:
    """Run `sql` (which reads `read_parquet($path)`, the dataset's table) against one dataset of the release."""
    resource = release.resource(dataset)
    if resource is None:
        raise KeyError(f"{dataset} is not in release {release.id}")
    if _DATASET not in sql:
        raise ValueError(f"a query of {dataset} must read {_DATASET}")
    path = str(release.file(resource.path))
    groups_path = None
    if "group_subtree" in sql:
        groups_path = str(release.file(release.resource("groups").path))
    return _query(release.path, dataset, path, groups_path, sql, tuple(sorted(params.items())))


def _read_period(release: Release, dataset: str, sql: str, start: str, end: str, **params: Any) -> pd.DataFrame:
    """`_read` of a query over the months `start`..`end`: the one place a period is bound, `$start` and
    `$end` as the first days of its first and last months (compare with `last_day($end)` to include the
    whole last month)."""
    return _read(release, dataset, sql, start=month_start(start), end=month_start(end), **params)


def groups(release: Release) -> pd.DataFrame:
    """group_id, name, level, parent_id, depth, in hierarchy order (each group followed by its children)."""
    return _outline(release).groups.copy()


@dataclass(frozen=True)
class ReleaseOutline:
    """What every page of a release needs and never changes with a filter, read once per release: its
    group hierarchy (the group filter, group names) and its months (the period filter)."""

    groups: pd.DataFrame
    names: dict[str, str]
    months: tuple[str, ...]


def _outline(release: Release) -> ReleaseOutline:
    return _cached_outline(release.path, release)


@st.cache_resource(show_spinner=False, max_entries=4)
def _cached_outline(release_path: str, _release: Release) -> ReleaseOutline:
    columns = ["group_id", "name", "level", "parent_id"]
    frame = pd.DataFrame(columns=columns)  # a release without groups still has months
    if _release.has_dataset("groups"):
        frame = _read(_release, "groups", "select group_id, name, level, parent_id from read_parquet($path)")
    frame = hierarchy_order(frame)
    found: set[str] = set()
    for dataset in ("participation_monthly", "treasury_monthly"):
        if _release.has_dataset(dataset):
            sql = "select distinct strftime(month, '%Y-%m') as m from read_parquet($path)"
            found.update(_read(_release, dataset, sql)["m"])
    return ReleaseOutline(frame, dict(zip(frame["group_id"], frame["name"], strict=True)), tuple(sorted(found)))


def hierarchy_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Depth-first order with a `depth` column; roots are groups whose parent is absent or unknown."""
    ids = set(frame["group_id"])
    children: dict[Any, list[dict[str, Any]]] = {}
    for row in frame.sort_values("name").to_dict("records"):
        parent = row["parent_id"] if row["parent_id"] in ids else None
        children.setdefault(parent, []).append(row)
    ordered: list[dict[str, Any]] = []
    stack = [(row, 0) for row in reversed(children.get(None, []))]
    while stack:
        row, depth = stack.pop()
        ordered.append(row | {"depth": depth})
        stack.extend((child, depth + 1) for child in reversed(children.get(row["group_id"], [])))
    return pd.DataFrame(ordered, columns=[*frame.columns, "depth"])


def months(release: Release) -> list[str]:
    """Every month ('YYYY-MM') that a monthly dataset of the release covers, oldest first."""
    return list(_outline(release).months)


def participation_monthly(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """month, active_members (NaN when suppressed), is_suppressed for one group, months start..end."""
    return _read_period(
        release,
        "participation_monthly",
        "select month, active_members, is_suppressed from read_parquet($path)"
        " where group_id = $group_id and month between $start and $end order by month",
        start,
        end,
        group_id=group_id,
    )


def proposals_by_stage(release: Release, group_id: str) -> pd.DataFrame:
    """stage, proposals, is_suppressed for one group, every lifecycle stage present (0 when none).

    A null count is a suppressed cell (the public datasets' convention), whatever the dataset's columns.
    """
    frame = _read(
        release,
        "proposals_by_stage",
        "select stage, proposals, proposals is null as is_suppressed from read_parquet($path)"
        " where group_id = $group_id",
        group_id=group_id,
    )
    cells = {row.stage: (row.proposals, bool(row.is_suppressed)) for row in frame.itertuples()}
    known = [(stage, *cells.pop(stage, (0, False))) for stage in PROPOSAL_STAGES]
    # Stages the model does not know yet still show, after the known ones.
    rows = known + [(stage, *cell) for stage, cell in sorted(cells.items())]
    return pd.DataFrame(rows, columns=["stage", "proposals", "is_suppressed"])


def treasury_monthly(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """month, currency, inflow_minor, outflow_minor for one group, months start..end."""
    return _read_period(
        release,
        "treasury_monthly",
        "select month, currency, inflow_minor, outflow_minor from read_parquet($path)"
        " where group_id = $group_id and month between $start and $end order by currency, month",
        start,
        end,
        group_id=group_id,
    )


def treasury_totals(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """currency, inflow_minor, outflow_minor summed over the months of the period (one group)."""
    return _read_period(
        release,
        "treasury_monthly",
        "select currency, sum(inflow_minor)::bigint as inflow_minor,"
        " sum(outflow_minor)::bigint as outflow_minor from read_parquet($path)"
        " where group_id = $group_id and month between $start and $end group by currency order by currency",
        start,
        end,
        group_id=group_id,
    )


def sources(release: Release, datasets: tuple[str, ...] = ("load_audit", "quarantine_reasons")) -> list[str]:
    """The sources named by the datasets' `source` column (by default the load audit's), sorted."""
    found: set[str] = set()
    for dataset in datasets:
        if release.has_dataset(dataset):
            found.update(_read(release, dataset, "select distinct source from read_parquet($path)")["source"])
    return sorted(found)


def federation_members(release: Release) -> pd.DataFrame:
    """A hub's member instances: key, the release its figures come from, data as of, status, last refusal."""
    return _read(
        release,
        "federation_members",
        "select member, group_id, key_id, release_id, data_as_of, status, last_check, last_refusal"
        " from read_parquet($path) order by member",
    )


def member_releases(release: Release, group_id: str) -> pd.DataFrame:
    """On a hub: member, release_id, data_as_of of the member releases a group's figures come from (those
    of the members whose groups are at or below it)."""
    found = _read(
        release,
        "groups",
        "select distinct member from read_parquet($path) where member is not null"
        " and group_id in (select group_id from group_subtree where ancestor_id = $group_id)",
        group_id=group_id,
    )
    return _read(
        release,
        "federation_members",
        "select member, release_id, data_as_of from read_parquet($path)"
        " where release_id is not null and list_contains($members, member) order by member",
        members=sorted(found["member"]),
    )


def load_audit(release: Release, source: str | None) -> pd.DataFrame:
    """Per source and entity: files, rows read, accepted and quarantined (all sources when None)."""
    return _read(
        release,
        "load_audit",
        "select source, entity, files, rows_read, rows_accepted, rows_quarantined from read_parquet($path)"
        " where ($source is null or source = $source) order by source, entity",
        source=source,
    )


def quarantine_reasons(release: Release, source: str | None) -> pd.DataFrame:
    """Per source, entity and rule: how many records were quarantined (all sources when None)."""
    return _read(
        release,
        "quarantine_reasons",
        "select source, entity, rule, records from read_parquet($path)"
        " where ($source is null or source = $source) order by source, entity, records desc, rule",
        source=source,
    )


def refused_files(release: Release, source: str | None) -> pd.DataFrame:
    """Files refused whole, with the rule and what to do (all sources when None)."""
    return _read(
        release,
        "file_outcomes",
        "select source, file_name, rule, message from read_parquet($path)"
        " where outcome = 'refused' and ($source is null or source = $source) order by source, file_name",
        source=source,
    )


def subtree(release: Release, group_id: str) -> list[str]:
    """The group and every group below it: what a query's `group_id in (select group_id from group_subtree
    where ancestor_id = $group_id)` selects (datasets that are not rolled up: legs, initiatives)."""
    found = _read(
        release,
        "groups",
        "select group_id from read_parquet($path)"
        " where group_id in (select group_id from group_subtree where ancestor_id = $group_id)",
        group_id=group_id,
    )
    return sorted(found["group_id"])


def group_names(release: Release) -> dict[str, str]:
    return dict(_outline(release).names)


def group_months(release: Release, dataset: str, group_id: str, start: str, end: str) -> pd.DataFrame:
    """Every column but group_id of a rolled-up group × month dataset, for one group, months start..end.

    `dataset` is one of GROUP_MONTH_DATASETS (it names a Parquet file, never SQL text).
    """
    if dataset not in GROUP_MONTH_DATASETS:
        raise ValueError(f"{dataset} is not a group × month dataset")
    return _read_period(
        release,
        dataset,
        "select * exclude (group_id) from read_parquet($path)"
        " where group_id = $group_id and month between $start and $end order by all",
        start,
        end,
        group_id=group_id,
    )


def participation_windows(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """as_of, window_days (7 or 30), active_members, is_suppressed for windows ending within the months."""
    return _read_period(
        release,
        "participation_windows",
        "select as_of, window_days, active_members, is_suppressed from read_parquet($path)"
        " where group_id = $group_id and as_of between $start and last_day($end) order by window_days, as_of",
        start,
        end,
        group_id=group_id,
    )


def participation_cohorts(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """cohort_month, months_since, members, is_suppressed for the cohorts that started in the months."""
    return _read_period(
        release,
        "participation_cohorts",
        "select cohort_month, months_since, members, is_suppressed from read_parquet($path)"
        " where group_id = $group_id and cohort_month between $start and $end"
        " order by cohort_month, months_since",
        start,
        end,
        group_id=group_id,
    )


def governance_funnel(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """cohort_month, stage, stage_order, proposals_reached, proposals_moved_on, median_days_in_stage."""
    return _read_period(
        release,
        "governance_funnel",
        "select cohort_month, stage, stage_order, proposals_reached, proposals_moved_on,"
        " median_days_in_stage from read_parquet($path)"
        " where group_id = $group_id and cohort_month between $start and $end"
        " order by cohort_month, stage_order",
        start,
        end,
        group_id=group_id,
    )


def funnel_totals(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """stage, proposals_reached summed over the creation months start..end, in lifecycle order."""
    return _read_period(
        release,
        "governance_funnel",
        "select stage, sum(proposals_reached)::bigint as proposals_reached from read_parquet($path)"
        " where group_id = $group_id and cohort_month between $start and $end"
        " group by stage, stage_order order by stage_order",
        start,
        end,
        group_id=group_id,
    )


def decidim_by_state(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """state, proposals, supports summed over the months start..end (supports empty where all hidden)."""
    return _read_period(
        release,
        "governance_decidim_proposals",
        "select state, sum(proposals)::bigint as proposals, sum(supports)::bigint as supports"
        " from read_parquet($path) where group_id = $group_id and month between $start and $end"
        " group by state order by proposals desc, state",
        start,
        end,
        group_id=group_id,
    )


def delivery_rates(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """One row per decision month start..end: approved, delivered, on time, rates, overdue, stalled."""
    return _read_period(
        release,
        "delivery_rates",
        "select * exclude (group_id) from read_parquet($path)"
        " where group_id = $group_id and decision_month between $start and $end order by decision_month",
        start,
        end,
        group_id=group_id,
    )


INITIATIVE_SHOWS = ("all", "overdue", "stalled", "overdue_or_stalled")


def delivery_totals(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """One row over the decision months start..end: approved, delivered, on time, overdue and stalled now,
    and the delivery and on-time rates recomputed from those counts (the published formulas)."""
    return _read_period(
        release,
        "delivery_rates",
        "with totals as (select sum(decisions_approved)::bigint as approved,"
        " sum(decisions_delivered)::bigint as delivered, sum(delivered_on_time)::bigint as on_time,"
        " sum(initiatives_overdue)::bigint as overdue, sum(initiatives_stalled)::bigint as stalled"
        " from read_parquet($path) where group_id = $group_id and decision_month between $start and $end)"
        " select *, round(100 * delivered / nullif(approved, 0), 1) as delivery_rate_pct,"
        " round(100 * on_time / nullif(delivered, 0), 1) as on_time_rate_pct from totals where approved > 0",
        start,
        end,
        group_id=group_id,
    )


# Initiatives "under way" in a period, of a group and the groups below it, of one source or all: decided
# by the period's end and not delivered before its start. Every overdue/stalled count on every page is
# over this one population (the flags themselves are delivery_initiatives' is_overdue and is_stalled),
# listed most urgent first: overdue (longest overdue first), then stalled (longest without progress),
# then by deadline. One literal query (SQL is never assembled from pieces), read by both functions below;
# every row carries the counts over all the matches, so one row (limit 1) gives them without the list.
_INITIATIVES_UNDER_WAY = (
    "select *, count(*) over () as matches, count(delivered_on) over () as delivered_matches,"
    " count_if(is_overdue) over () as overdue_matches, count_if(is_stalled) over () as stalled_matches,"
    " count_if(is_overdue or is_stalled) over () as overdue_or_stalled_matches from read_parquet($path)"
    " where group_id in (select group_id from group_subtree where ancestor_id = $group_id)"
    " and ($source is null or source = $source)"
    " and (decided_on is null or decided_on <= last_day($end)) and (delivered_on is null or delivered_on >= $start)"
    " and ($show = 'all' or ($show = 'overdue' and is_overdue) or ($show = 'stalled' and is_stalled)"
    " or ($show = 'overdue_or_stalled' and (is_overdue or is_stalled)))"
    " and ($search = '' or contains(lower(initiative_id), $search) or contains(lower(status), $search)"
    " or contains(lower(coalesce(proposal_id, '')), $search) or group_id in (select unnest($named)))"
    " order by is_overdue desc, days_overdue desc nulls last, is_stalled desc, days_since_progress desc nulls last,"
    " deadline nulls last, initiative_id"
    " limit coalesce($limit, 9223372036854775807) offset $offset"
)


def delivery_initiative_counts(
    release: Release, group_id: str, start: str, end: str, source: str | None
) -> dict[str, int]:
    """How many initiatives `delivery_initiatives` would list for each `show`, and how many were delivered:
    read from one row (at a federation of 500 cities, reading every initiative to count it took 170 ms)."""
    first = delivery_initiatives(release, group_id, start, end, source, limit=1)
    columns = {"all": "matches", "delivered": "delivered_matches", **{s: f"{s}_matches" for s in INITIATIVE_SHOWS[1:]}}
    return {name: int(first[column].iloc[0]) if len(first) else 0 for name, column in columns.items()}


def delivery_initiatives(
    release: Release,
    group_id: str,
    start: str,
    end: str,
    source: str | None,
    show: str = "all",
    *,
    search: str = "",
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """Initiatives under way in the months (see _INITIATIVES_UNDER_WAY), all or only those overdue and/or
    stalled (`show`, one of INITIATIVE_SHOWS), whose id, decision, status or group name contains `search`;
    most urgent first, `limit` of them from `offset`; with the holding group's name as `group` and, as
    `matches`, how many there are in all."""
    names = group_names(release)
    needle = search.strip().lower()
    frame = _read_period(
        release,
        "delivery_initiatives",
        _INITIATIVES_UNDER_WAY,
        start,
        end,
        group_id=group_id,
        source=source,
        show=show,
        search=needle,
        named=[g for g, name in names.items() if needle and needle in str(name).lower()],
        limit=limit,
        offset=offset,
    )
    frame.insert(0, "group", frame["group_id"].map(names))
    return frame


def initiative(release: Release, initiative_id: str) -> pd.DataFrame:
    """The one initiative (no row when the release has none of that id), with its group's name."""
    frame = _read(
        release,
        "delivery_initiatives",
        "select * from read_parquet($path) where initiative_id = $initiative_id",
        initiative_id=initiative_id,
    )
    frame.insert(0, "group", frame["group_id"].map(group_names(release)))
    return frame


def decision_record(release: Release, proposal_id: str) -> pd.DataFrame:
    """The decided proposal's row of the decision history (its source and address), or no row."""
    return _read(
        release,
        "governance_decision_history",
        "select source, source_url from read_parquet($path) where proposal_id = $proposal_id",
        proposal_id=proposal_id,
    )


def decision_initiatives(release: Release, proposal_id: str) -> pd.DataFrame:
    """Every initiative carrying out one decision (the decided proposal), most urgent first."""
    frame = _read(
        release,
        "delivery_initiatives",
        "select * from read_parquet($path) where proposal_id = $proposal_id"
        " order by is_overdue desc, days_overdue desc nulls last, is_stalled desc, deadline nulls last, initiative_id",
        proposal_id=proposal_id,
    )
    frame.insert(0, "group", frame["group_id"].map(group_names(release)))
    return frame


def delivery_milestones(release: Release, initiative_ids: list[str]) -> pd.DataFrame:
    """initiative_id, milestone_id, target_date, completed_on, is_late of the given initiatives."""
    return _read(
        release,
        "delivery_milestones",
        "select initiative_id, milestone_id, target_date, completed_on, is_late from read_parquet($path)"
        " where initiative_id in (select unnest($initiatives))"  # a hash join: list_contains scans per row
        " order by initiative_id, target_date, milestone_id",
        initiatives=list(initiative_ids),
    )


def no_milestones() -> pd.DataFrame:
    """The empty milestone frame, for a release without delivery_milestones."""
    return pd.DataFrame(columns=["initiative_id", "milestone_id", "target_date", "completed_on", "is_late"])


def treasury_links(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """Money through the treasuries of the group and those below it, months start..end, for a Sankey.

    One row per currency, holding group (`treasury`), flow_class (income, spending, fee), category and
    whether the counterparty is local, with `amount_minor` always positive.
    """
    frame = _read_period(
        release,
        "treasury_legs",
        "select currency, group_id, flow_class, category, coalesce(counterparty_is_local, false) as is_local,"
        " abs(sum(amount_minor))::bigint as amount_minor from read_parquet($path)"
        " where group_id in (select group_id from group_subtree where ancestor_id = $group_id)"
        " and month between $start and $end"
        " and flow_class in ('income', 'spending', 'fee')"
        " group by all having sum(amount_minor) <> 0 order by all",
        start,
        end,
        group_id=group_id,
    )
    frame.insert(1, "treasury", frame.pop("group_id").map(group_names(release)))
    return frame


def treasury_balances(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """month, account, currency, balance_minor of every account held by the group or a group below it."""
    return _read_period(
        release,
        "treasury_balances",
        "select month, group_id, account, currency, balance_minor from read_parquet($path)"
        " where group_id in (select group_id from group_subtree where ancestor_id = $group_id)"
        " and month between $start and $end"
        " order by currency, account, month",
        start,
        end,
        group_id=group_id,
    )


def treasury_reconciliation(release: Release, group_id: str) -> pd.DataFrame:
    """One row per account held by the group or a group below it: where its balances start, our
    closing balance, the balance the source states, the difference and where they first part."""
    return _read(
        release,
        "treasury_reconciliation",
        "select group_id, account, currency, source, starts_on, starts_with_opening_balance, closing_balance_minor,"
        " source_balance_minor, difference_minor, statements, disagreeing_statements, first_divergence_on,"
        " first_divergence_record, first_divergence_minor, status from read_parquet($path)"
        " where group_id in (select group_id from group_subtree where ancestor_id = $group_id)"
        " order by currency, account",
        group_id=group_id,
    )


def budget_vs_actual(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """Budget lines of the group and the groups below it whose period overlaps the months."""
    frame = _read_period(
        release,
        "treasury_budget_vs_actual",
        "select * from read_parquet($path)"
        " where group_id in (select group_id from group_subtree where ancestor_id = $group_id)"
        " and period_start <= last_day($end) and period_end >= $start"
        " order by currency, period_start, group_id, fund_type, budget_id",
        start,
        end,
        group_id=group_id,
    )
    frame.insert(0, "group", frame["group_id"].map(group_names(release)))
    return frame


def local_value_totals(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """Per currency over months start..end: R1, R2, R3, hours valued, the LM3-style ratio of the sums
    (the published formula, 4 decimals; empty when R1 is not positive) and the re-spend share R3 ÷ R2."""
    return _read_period(
        release,
        "local_value",
        "with totals as (select currency, sum(r1_minor)::bigint as r1_minor,"
        " sum(r2_minor)::bigint as r2_minor, sum(r3_minor)::bigint as r3_minor,"
        " sum(hours_value_minor)::bigint as hours_value_minor"
        " from read_parquet($path) where group_id = $group_id and month between $start and $end"
        " group by currency)"
        " select *, case when r1_minor > 0 then round((r1_minor + r2_minor + r3_minor) / r1_minor, 4) end"
        " as lm3_ratio, r3_minor / nullif(r2_minor, 0) as respend_share from totals order by currency",
        start,
        end,
        group_id=group_id,
    )


def timebank_hours(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """month, exchanges, hours (all kinds of exchange together, from seconds) for one group."""
    return _read_period(
        release,
        "timebank_hours_monthly",
        "select month, sum(exchanges)::bigint as exchanges, sum(seconds_exchanged) / 3600 as hours"
        " from read_parquet($path) where group_id = $group_id and month between $start and $end"
        " group by month order by month",
        start,
        end,
        group_id=group_id,
    )


def group_rows(release: Release, dataset: str, group_id: str) -> pd.DataFrame:
    """Every column but group_id of a dataset with no month (the time-bank distributions), for one group."""
    if dataset not in ("timebank_fair_exchange", "timebank_balance_distribution"):
        raise ValueError(f"{dataset} is not a per-group distribution")
    return _read(
        release,
        dataset,
        "select * exclude (group_id) from read_parquet($path) where group_id = $group_id",
        group_id=group_id,
    )
