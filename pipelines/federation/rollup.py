"""The hub's public datasets, from the accepted members' public Parquet only (docs/federation.md,
"Roll-up rules"). Each member's groups become children of the hub group federation.yaml names; a
member's root groups already count everything below them, so a hub group's figure rolls up its
members' root rows. Per kind of figure:

- sum: additive facts not about people (money per currency, hours, exchanges, decisions): exact sums.
- sum_at_least: counts a member may withhold (is_suppressed): the sum of what was published, a lower
  bound, with the number of withheld cells beside it (suppressed_cells); never a total.
- people_at_least: distinct people: the same person may be counted by two members, so the only sure
  figure is the largest published member count, a lower bound, with suppressed_cells beside it.
- ratio: numerator and denominator rolled up (sums), divided at the hub.

Exact people (`exact_people`): where every member at or below a hub group sent an accepted private
extract (pipelines.federation.extract), the figure is the number of distinct federation pseudonyms in the
union of their root groups' lists: exact, `count_method` says so. The hub suppresses it itself: withheld
below K, and withheld when what remains after subtracting its published children is neither 0 nor at
least K in size (a negative remainder is the number of people counted by several children).

Secondary suppression: a hub figure of kind sum_at_least or exact people is published only if what
remains after subtracting its published children is 0 or at least K (`secondary_suppression`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.federation import exact
from pipelines.federation.config import FederationConfig
from pipelines.federation.extract import (
    ACTIVE_MEMBERS,
    ALLOCATORS,
    CONTRIBUTIONS,
    CONTRIBUTIONS_FIELDS,
    DELIVERY_DAYS,
    DELIVERY_DAYS_FIELDS,
    VOTERS,
)
from pipelines.release.tables import quote_identifier, quote_literal

MEMBER_SEPARATOR = "/"  # a member's group id at the hub: <member>/<its group id>


@dataclass(frozen=True)
class Rollup:
    dataset: str  # the member datasets' name, kept at the hub
    description: str
    keys: tuple[str, ...]  # besides group_id
    sums: tuple[str, ...] = ()
    sums_at_least: tuple[str, ...] = ()
    people_at_least: tuple[str, ...] = ()
    ratios: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (numerator, denominator)
    suppressed_flag: str | None = None  # the member column that says a cell was withheld
    flag_from: str | None = None  # the measure whose withholding sets that flag at the hub (default: the first)
    # people counts the members' private extracts make exact at the hub: measure -> the extract's figure
    exact_people: dict[str, str] = field(default_factory=dict)
    # people counts that repeat another hub dataset's figure at an exact hub row, withheld where it is
    same_as: dict[str, str] = field(default_factory=dict)  # measure -> "dataset.measure"
    # members' columns kept on their own rows; at a hub row computed from the extracts by `statistics`
    carried: tuple[str, ...] = ()
    statistics: Callable[[dict, ExtractIndex, set[str], int], None] | None = None
    statistic_figures: tuple[str, ...] = ()  # the extract figures `statistics` reads

    @property
    def measures(self) -> tuple[str, ...]:
        return self.sums + self.sums_at_least + self.people_at_least

    @property
    def figures(self) -> set[str]:
        """The extract figures a member must have sent for a hub row of this dataset to be exact."""
        return {*self.exact_people.values(), *self.same_as.values(), *self.statistic_figures}


class ExtractIndex:
    """The opened extracts' figures per member, over each member's root groups (which count everything
    below them), for the hub's exact figures."""

    def __init__(self, extracts: dict[str, dict], roots: dict[str, set[str]]):
        self.extracts = extracts
        self.entries: dict[tuple[str, str, str], list[dict]] = {}  # (figure, member, month) -> its roots' entries
        for member, document in extracts.items():
            for figure, entries in document["figures"].items():
                for entry in entries:
                    if entry["group_id"] in roots.get(member, ()):
                        self.entries.setdefault((figure, member, entry["month"]), []).append(entry)

    def complete(self, figures: set[str]) -> set[str]:
        """The members whose extract has every one of these figures."""
        return {m for m, document in self.extracts.items() if figures <= set(document["figures"])}

    def _cells(self, figure: str, members: set[str], month: str) -> list[dict]:
        return [entry for m in sorted(members) for entry in self.entries.get((figure, m, month), ())]

    def people(self, figure: str, members: set[str], month: str) -> set[str]:
        return set().union(*(entry["people"] for entry in self._cells(figure, members, month)))

    def _summed(self, figure: str, fields: tuple[str, str], members: set[str], month: str) -> dict:
        keys, values = fields
        summed: dict = {}
        for entry in self._cells(figure, members, month):
            for key, count in zip(entry[keys], entry[values], strict=True):
                summed[key] = summed.get(key, 0) + count
        return summed

    def contributions(self, members: set[str], month: str) -> dict[str, int]:
        """Each distinct person's contributions, summed over the members."""
        return self._summed(CONTRIBUTIONS, CONTRIBUTIONS_FIELDS, members, month)

    def days_to_delivery(self, members: set[str], month: str) -> dict[int, int]:
        """How many decisions were delivered after how many days, summed over the members."""
        return self._summed(DELIVERY_DAYS, DELIVERY_DAYS_FIELDS, members, month)


def _turnout(row: dict, index: ExtractIndex, members: set[str], k: int) -> None:
    """Voters and active members are withheld together (as in a city), the rate divided at the hub."""
    if row["voters"] is None or row["active_members"] is None:
        row["voters"] = row["active_members"] = None
    row["turnout_pct"] = (
        exact.percent_tenths(row["voters"], row["active_members"]) if row["voters"] is not None else None
    )


def _inequality(row: dict, index: ExtractIndex, members: set[str], k: int) -> None:
    """Over the distinct people, each with their contributions summed over the members; withheld where
    fewer than k were active (as in a city)."""
    summed = index.contributions(members, row["month"].isoformat())
    enough = len(summed) >= k
    row["gini"] = exact.gini(summed.values()) if enough else None
    row["absence_factor"] = exact.absence_factor(summed.values()) if enough else None


def _delivery(row: dict, index: ExtractIndex, members: set[str], k: int) -> None:
    row["median_days_to_delivery"] = exact.median_tenths(
        index.days_to_delivery(members, row["decision_month"].isoformat())
    )


ROLLUPS = (
    Rollup(
        "treasury_monthly",
        "Money in and out per group, month and currency; a hub group sums its members exactly.",
        ("month", "currency"),
        sums=("inflow_minor", "outflow_minor"),
    ),
    Rollup(
        "timebank_hours_monthly",
        "Time exchanged per group, month and kind; a hub group sums its members exactly.",
        ("month", "exchange_kind"),
        sums=("exchanges", "seconds_exchanged"),
    ),
    Rollup(
        "proposals_by_stage",
        "Proposals per current stage; a hub group sums its members exactly.",
        ("stage",),
        sums=("proposals",),
    ),
    Rollup(
        "governance_support_points",
        "Support points allocated per month. A member withholds a month with few allocators; a hub group "
        "sums what its members published, a lower bound (suppressed_cells says how many were withheld).",
        ("month",),
        sums_at_least=("allocations", "points_allocated"),
        people_at_least=("allocators",),
        suppressed_flag="is_suppressed",
        exact_people={"allocators": ALLOCATORS},
    ),
    Rollup(
        "participation_monthly",
        "Distinct members active per month. At a hub group: exact distinct people across its members "
        "where each sent the hub its private extract (count_method exact), else at least the largest count "
        "one member published (count_method at_least: a person may take part in several members), never a "
        "sum; suppressed_cells withheld.",
        ("month",),
        people_at_least=("active_members",),
        suppressed_flag="is_suppressed",
        exact_people={"active_members": ACTIVE_MEMBERS},
    ),
    Rollup(
        "governance_turnout",
        "Vote turnout per month. At a hub group: exact distinct voters against exact distinct active members "
        "(as in participation_monthly) where every member below it sent its private extract (count_method "
        "exact), the rate divided at the hub; else both counts are lower bounds and the rate is empty "
        "(count_method at_least: a ratio of lower bounds would be no figure at all).",
        ("month",),
        people_at_least=("voters", "active_members"),
        suppressed_flag="is_suppressed",
        exact_people={"voters": VOTERS},
        same_as={"active_members": ACTIVE_MEMBERS},
        carried=("turnout_pct",),
        statistics=_turnout,
    ),
    Rollup(
        "participation_inequality",
        "How evenly contributions spread over active members each month. Contributions are exact sums. At a "
        "hub group the Gini coefficient and the absence factor are computed over the distinct people across "
        "its members, each person's contributions in every member added up, where every member below it sent "
        "its private extract (count_method exact); else they are empty: no figure combines members' Gini "
        "coefficients honestly.",
        ("month",),
        sums=("contributions",),
        people_at_least=("active_members",),
        suppressed_flag="is_suppressed",
        flag_from="active_members",
        same_as={"active_members": ACTIVE_MEMBERS},
        carried=("gini", "absence_factor"),
        statistics=_inequality,
        statistic_figures=(CONTRIBUTIONS,),
    ),
    Rollup(
        "delivery_rates",
        "Decisions approved and delivered, and their initiatives now overdue or stalled, per decision month "
        "(exact sums); the rates are divided at the hub from the "
        "rolled-up numerator and denominator, never averaged. At a hub group the median days to delivery is "
        "the median over every member's delivered decisions, from their private extracts where every member "
        "below it sent one; else empty (a median of medians is no median).",
        ("decision_month",),
        sums=(
            "decisions_approved",
            "decisions_delivered",
            "delivered_on_time",
            "initiatives_overdue",
            "initiatives_stalled",
        ),
        ratios={
            "delivery_rate_pct": ("decisions_delivered", "decisions_approved"),
            "on_time_rate_pct": ("delivered_on_time", "decisions_delivered"),
        },
        carried=("median_days_to_delivery",),
        statistics=_delivery,
        statistic_figures=(DELIVERY_DAYS,),
    ),
)

COLUMN_DOCS = {
    "group_id": "The group: a hub group, or <member>/<group id> for a member's own group.",
    "member": "The member instance whose release the row comes from; empty for the hub's own groups.",
    "suppressed_cells": "Member cells withheld (below the minimum count) that this figure could not include.",
    "members_reporting": "Member releases the figure is rolled up from.",
    "count_method": "How the row's people count was found: exact (a member's own count, or at a hub group "
    "the distinct people across its members, from their private extracts) or at_least (the largest count one "
    "member published: a lower bound, never a total).",
    "is_suppressed": "True when the row's figures are withheld: by the member (its own rows) or at the hub "
    "(a hub row with nothing publishable, or withheld by secondary suppression).",
}


def closure(config: FederationConfig) -> list[tuple[str, str]]:
    """(hub group, member) for every member at or below each hub group."""
    parent = {g.group_id: g.parent_id for g in config.groups}
    pairs = []
    for member in config.members:
        group = member.group
        while group is not None:
            pairs.append((group, member.name))
            group = parent[group]
    return pairs


def _parquet(release: Path, dataset: str) -> Path | None:
    path = release / "data" / f"{dataset}.parquet"
    return path if path.is_file() else None


def _member_union(releases: dict[str, Path], dataset: str, columns: list[str]) -> str | None:
    parts = []
    for member, release in sorted(releases.items()):
        path = _parquet(release, dataset)
        if path is not None:
            select = ", ".join(quote_identifier(c) for c in columns)
            parts.append(
                f"select {quote_literal(member)} as member, {select} from read_parquet({quote_literal(str(path))})"
            )
    return " union all ".join(parts) if parts else None


def build_rollup(con: duckdb.DuckDBPyConnection, spec: Rollup, releases: dict[str, Path]) -> pa.Table | None:
    """The hub's table for one dataset: the hub groups' rolled-up rows, then every member's own rows."""
    source_columns = ["group_id", *spec.keys, *spec.measures, *spec.carried]
    if spec.suppressed_flag:
        source_columns.append(spec.suppressed_flag)
    union = _member_union(releases, spec.dataset, source_columns)
    if union is None:
        return None
    q = quote_identifier
    keys = ", ".join(q(k) for k in spec.keys)
    flag = f"coalesce({q(spec.suppressed_flag)}, false)" if spec.suppressed_flag else "false"
    aggregates = [f"sum({q(m)})::bigint as {q(m)}" for m in spec.sums + spec.sums_at_least]
    aggregates += [f"max({q(m)})::bigint as {q(m)}" for m in spec.people_at_least]
    ratios_hub = [f"round(100.0 * {q(n)} / nullif({q(d)}, 0), 1) as {q(r)}" for r, (n, d) in spec.ratios.items()]
    measures = ", ".join(q(m) for m in spec.measures)
    ratio_names = "".join(f", {q(r)}" for r in spec.ratios)
    member_ratios = "".join(
        f", round(100.0 * {q(n)} / nullif({q(d)}, 0), 1) as {q(r)}" for r, (n, d) in spec.ratios.items()
    )
    suppressed = ", suppressed_cells" if spec.suppressed_flag else ""
    carried = "".join(f", {q(c)}" for c in spec.carried)
    hub_carried = "".join(f", null as {q(c)}" for c in spec.carried)  # computed from the extracts, if at all
    member_suppressed = (
        f", (case when {flag} then 1 else 0 end)::bigint as suppressed_cells" if spec.suppressed_flag else ""
    )
    sql = f"""
        with member_rows as ({union}),
        roots as (select member, group_id from member_groups where parent_id is null),
        member_totals as (
            select r.member, {keys}, {measures}, case when {flag} then 1 else 0 end as suppressed_cells
            from member_rows as r inner join roots using (member, group_id)
        ),
        hub as (
            select c.hub_group as group_id, null::varchar as member, {keys}, {", ".join(aggregates)},
                sum(suppressed_cells)::bigint as suppressed_cells, count(distinct t.member)::bigint as members_reporting
            from member_totals as t inner join hub_closure as c on c.member = t.member
            group by c.hub_group, {keys}
        ),
        members as (
            select member || {quote_literal(MEMBER_SEPARATOR)} || group_id as group_id, member, {keys}, {measures}
                {member_ratios}{carried}{member_suppressed}, 1::bigint as members_reporting
            from member_rows
        )
        select group_id, member, {keys}, {measures}{ratio_names}{carried}{suppressed}, members_reporting from (
            select *{"".join(", " + r for r in ratios_hub)}{hub_carried} from hub
        )
        union all by name
        select group_id, member, {keys}, {measures}{ratio_names}{carried}{suppressed}, members_reporting from members
        order by group_id, {keys}
    """
    return con.sql(sql).to_arrow_table()


def secondary_suppression(
    rows: list[dict], parent_of: dict[str, str | None], measure: str, keys: tuple, k: int, only=None
) -> int:
    """Withhold (set to None, suppressed_cells + 1) every hub figure (member None; `only(row)` true, if
    given) whose remainder after subtracting its published children's figures is neither 0 nor at least k
    in size: subtracting would reveal a small cell (negative only for exact people: those counted by
    several children). Members' own rows are theirs, kept as published. The deepest such figures go
    first, then the remainders are worked out again: withholding a child's figure (at least k, or it
    would be withheld already) often makes its parent's safe, so the wider figure, the one most read,
    stays published. Repeats until none is left; returns how many were withheld."""
    depth: dict[str, int] = {}

    def depth_of(group_id: str) -> int:
        if group_id not in depth:
            parent = parent_of.get(group_id)
            depth[group_id] = 0 if parent is None else 1 + depth_of(parent)
        return depth[group_id]

    withheld = 0
    while True:
        children_sum: dict[tuple, int] = {}
        for row in rows:
            parent = parent_of.get(row["group_id"])
            if parent is not None and row[measure] is not None:
                key = (parent, *(row[c] for c in keys))
                children_sum[key] = children_sum.get(key, 0) + row[measure]
        revealing = []
        for row in rows:
            key = (row["group_id"], *(row[c] for c in keys))
            if row.get("member") is not None or row[measure] is None or key not in children_sum:
                continue
            if only is not None and not only(row):
                continue
            remainder = row[measure] - children_sum[key]
            if remainder != 0 and abs(remainder) < k:
                revealing.append(row)
        if not revealing:
            return withheld
        deepest = max(depth_of(row["group_id"]) for row in revealing)
        for row in revealing:  # figures at one depth are not each other's children
            if depth_of(row["group_id"]) == deepest:
                row[measure] = None
                row["suppressed_cells"] = (row.get("suppressed_cells") or 0) + 1
                withheld += 1


def with_withheld_flag(table: pa.Table, spec: Rollup) -> pa.Table:
    """The member's flag column at the hub too (what a dashboard reads): a member row keeps what the
    member published (its figure is null then); a hub row is flagged when its flag measure is withheld."""
    withheld = pc.is_null(table[spec.flag_from or spec.measures[0]])
    return table.append_column(pa.field(spec.suppressed_flag, pa.bool_()), withheld)


EXACT, AT_LEAST = "exact", "at_least"


def _exact_members(row: dict, members_below: dict[str, set[str]], complete: set[str]) -> set[str] | None:
    """The members below a hub row when every one of them sent the extract figures it needs; else None."""
    below = members_below.get(row["group_id"], set())
    return below if row["member"] is None and below and below <= complete else None


def with_exact_people(
    rows: list[dict],
    spec: Rollup,
    members_below: dict[str, set[str]],
    index: ExtractIndex,
    k: int,
    published: dict[str, dict],
) -> None:
    """Set each row's count_method; where every member below a hub group sent the extract figures the
    dataset needs, replace its lower bounds by the exact count of distinct people (withheld below k), and
    a count that repeats another hub dataset's figure (published: "dataset.measure" -> (group, month) ->
    figure) by that figure, withheld where it is; the dataset's people counts are then withheld together."""
    complete = index.complete(spec.figures)
    flag_measure = spec.flag_from or spec.measures[0]
    for row in rows:
        row["count_method"] = EXACT if row["member"] is not None else AT_LEAST
        below = _exact_members(row, members_below, complete)
        if below is None:
            continue
        row["count_method"] = EXACT
        month = row["month"].isoformat()
        for measure, figure in spec.exact_people.items():
            count = len(index.people(figure, below, month))
            row[measure] = count if count >= k else None
        for measure, source in spec.same_as.items():
            row[measure] = published.get(source, {}).get((row["group_id"], row["month"]))
        if spec.same_as and any(row[m] is None for m in spec.people_at_least):
            row.update(dict.fromkeys(spec.people_at_least))
        if not spec.sums_at_least:  # nothing left out of an exact count but what the hub withholds itself
            row["suppressed_cells"] = 0 if row[flag_measure] is not None else 1


def with_exact_statistics(
    rows: list[dict], spec: Rollup, members_below: dict[str, set[str]], index: ExtractIndex, k: int
) -> None:
    """The carried columns of every hub row whose members below all sent the figures they need."""
    complete = index.complete(spec.figures)
    for row in rows:
        below = _exact_members(row, members_below, complete)
        if below is not None:
            spec.statistics(row, index, below, k)


def hub_groups_table(config: FederationConfig, releases: dict[str, Path], con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The hub's hierarchy: its own groups, then each member's groups under the hub group it belongs to."""
    hub_rows = [
        {"group_id": g.group_id, "name": g.name, "level": g.level, "parent_id": g.parent_id, "member": None}
        for g in config.groups
    ]
    hub = pa.Table.from_pylist(
        hub_rows,
        schema=pa.schema(
            [
                ("group_id", pa.string()),
                ("name", pa.string()),
                ("level", pa.string()),
                ("parent_id", pa.string()),
                ("member", pa.string()),
            ]
        ),
    )
    con.register("hub_groups_in", hub)
    attach = pa.Table.from_pylist(
        [{"member": m.name, "hub_group": m.group} for m in config.members if m.name in releases],
        schema=pa.schema([("member", pa.string()), ("hub_group", pa.string())]),
    )
    con.register("member_attach", attach)
    sep = quote_literal(MEMBER_SEPARATOR)
    return con.sql(
        f"""
        select group_id, name, level, parent_id, member from hub_groups_in
        union all
        select g.member || {sep} || g.group_id, g.name, g.level,
            coalesce(g.member || {sep} || g.parent_id, a.hub_group), g.member
        from member_groups as g inner join member_attach as a using (member)
        order by group_id
        """
    ).to_arrow_table()


def build_hub_tables(
    config: FederationConfig, releases: dict[str, Path], k: int, extracts: dict[str, dict] | None = None
) -> dict[str, pa.Table]:
    """Every hub dataset from the accepted member releases (member name -> release folder) and the opened
    private extracts of those releases (member name -> extract document; none: lower bounds only)."""
    con = duckdb.connect()
    union = _member_union(releases, "groups", ["group_id", "name", "level", "parent_id"])
    if union is None:
        raise ValueError("no accepted member release has a groups dataset: nothing to roll up")
    con.execute(f"create table member_groups as {union}")
    con.register(
        "hub_closure",
        pa.Table.from_pylist(
            [{"hub_group": g, "member": m} for g, m in closure(config)],
            schema=pa.schema([("hub_group", pa.string()), ("member", pa.string())]),
        ),
    )
    tables = {"groups": hub_groups_table(config, releases, con)}
    parent_of = dict(
        zip(tables["groups"]["group_id"].to_pylist(), tables["groups"]["parent_id"].to_pylist(), strict=True)
    )
    members_below: dict[str, set[str]] = {}
    for hub_group, member in closure(config):
        if member in releases:
            members_below.setdefault(hub_group, set()).add(member)
    roots: dict[str, set[str]] = {}
    for member, group_id in con.sql("select member, group_id from member_groups where parent_id is null").fetchall():
        roots.setdefault(member, set()).add(group_id)
    index = ExtractIndex(extracts or {}, roots)
    published: dict[str, dict] = {}  # "dataset.measure" -> (hub group, month) -> the hub's figure
    for spec in ROLLUPS:
        table = build_rollup(con, spec, releases)
        if table is None:
            continue
        rows = table.to_pylist()
        schema = table.schema
        for measure in spec.sums_at_least:
            secondary_suppression(rows, parent_of, measure, spec.keys, k)
        if spec.people_at_least:
            with_exact_people(rows, spec, members_below, index, k, published)
            for measure in spec.exact_people:
                secondary_suppression(rows, parent_of, measure, spec.keys, k, lambda r: r["count_method"] == EXACT)
            schema = schema.append(pa.field("count_method", pa.string()))
        if spec.statistics is not None:
            with_exact_statistics(rows, spec, members_below, index, k)
        for measure in spec.exact_people:
            published[f"{spec.dataset}.{measure}"] = {
                (r["group_id"], r["month"]): r[measure] for r in rows if r["member"] is None
            }
        table = pa.Table.from_pylist(rows, schema=schema)
        if spec.suppressed_flag:
            table = with_withheld_flag(table, spec)
        tables[spec.dataset] = table
    return tables


def dataset_docs(tables: dict[str, pa.Table], member_docs: dict[str, dict]) -> dict[str, dict]:
    """Each hub dataset's documentation: the members' column descriptions, the hub's own columns and kind."""
    specs = {s.dataset: s for s in ROLLUPS}
    docs = {}
    for name, table in tables.items():
        spec = specs.get(name)
        own = member_docs.get(name, {}).get("columns", {})
        columns = {c: COLUMN_DOCS.get(c) or own.get(c) or c for c in table.column_names}
        if spec is not None:
            for m in spec.sums_at_least:
                columns[m] = f"{own.get(m, m)} At a hub group: the sum of what members published, a lower bound."
            for m in spec.people_at_least:
                columns[m] = (
                    f"{own.get(m, m)} At a hub group: exact distinct people across its members where each sent "
                    "its private extract (count_method exact; withheld below the minimum count or where "
                    "subtraction would reveal a small cell), else the largest count one member published, a "
                    "lower bound (count_method at_least; never a total: a person may take part in several members)."
                )
            for m in spec.carried:
                columns[m] = (
                    f"{own.get(m, m)} At a hub group: computed over all its members' people or decisions from "
                    "their private extracts, where every member below it sent one; else empty."
                )
        docs[name] = {
            "description": spec.description if spec else member_docs.get(name, {}).get("description", name),
            "primary_key": ["group_id", *(spec.keys if spec else ())],
            "people_counts": list(spec.people_at_least) if spec else [],
            "columns": columns,
        }
    return docs
