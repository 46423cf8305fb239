"""Spaces and groups: which group each space of another system (forum category, Decidim component,
collective, ledger book, time bank) belongs to, checked before dbt so that a missing mapping is a
message a user can act on, not a failed relationships test.

A community without the TogetherOS platform lists its groups in `inbox/community/groups.csv`
(`group_id,name,level,parent_id`); with no groups anywhere, everything is published under one default
group (`community`). With at most one group no mapping is needed. With two or more, every space needs
a line `source,space_id,group_id` in `inbox/community/space_groups.csv`; `togetheros init` writes both
templates with every space id found in the inbox. The SQL twin of `SPACES` is
dbt_project/models/staging/community/stg_community__space_groups.sql.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.sources.limits import Limits

DEFAULT_GROUP = "community"
JOURNAL_STEM = r"regexp_replace(journal, '\.[^.]*$', '')"
FILE_STEM = r"regexp_replace(file_name, '\.[^.]*$', '')"

# (source, raw table, the space id as the user writes it in space_groups.csv, what it is in words)
SPACES: list[tuple[str, str, str, str]] = [
    ("discourse", "discourse__topics", "cast(category_id as varchar)", "forum category id"),
    ("discourse", "discourse__posts", "cast(category_id as varchar)", "forum category id"),
    ("decidim", "decidim__proposals", "cast(component_id as varchar)", "Decidim component id"),
    ("decidim", "decidim__results", "cast(component_id as varchar)", "Decidim component id"),
    ("decidim", "decidim__meetings", "cast(component_id as varchar)", "Decidim component id"),
    ("decidim", "decidim__projects", "cast(component_id as varchar)", "Decidim component id"),
    ("opencollective", "opencollective__transactions", "account_slug", "Open Collective slug"),
    ("ledger", "ledger__postings", JOURNAL_STEM, "ledger book: its path under inbox/ledger/ without extension"),
    ("timeoverflow", "timeoverflow__accounts", "cast(organization_id as varchar)", "TimeOverflow organization id"),
    ("timeoverflow", "timeoverflow__hours", FILE_STEM, "hours file: its name without extension"),
]


@dataclass(frozen=True)
class Space:
    source: str
    space_id: str
    file_name: str  # a landed file (path under inbox/<source>/) that names it
    what: str


@dataclass
class SpaceReport:
    groups: list[str]
    spaces: list[Space]
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?", [table]
        ).fetchone()[0]
    )


def spaces(con: duckdb.DuckDBPyConnection) -> list[Space]:
    """Every space the raw tables name, with one file that names it, sorted."""
    found: dict[tuple[str, str], Space] = {}
    has_files = _exists(con, "landing_files")
    for source, table, expression, what in SPACES:
        if not _exists(con, table):
            continue
        file_of = "min(f.file_name)" if has_files else "null"
        join = "left join raw.landing_files as f on f.sha256 = t._landing_sha256" if has_files else ""
        rows = con.execute(
            f"select {expression.replace('journal', 't.journal').replace('file_name', 't.file_name')} as space_id, "
            f'{file_of} from raw."{table}" as t {join} where space_id is not null group by all'
        ).fetchall()
        for space_id, file_name in rows:
            found.setdefault((source, space_id), Space(source, space_id, file_name or "", what))
    return sorted(found.values(), key=lambda s: (s.source, s.space_id))


def _rows(con: duckdb.DuckDBPyConnection, table: str, columns: str) -> list[tuple]:
    return con.execute(f'select distinct {columns} from raw."{table}"').fetchall() if _exists(con, table) else []


def check(con: duckdb.DuckDBPyConnection, inbox: Path) -> SpaceReport:
    """Errors for spaces no mapping names (with two groups or more) and mappings to groups nobody
    defines, each naming the source, the space id as the user must write it and the file to write it in;
    a note when the default group is in use."""
    groups = sorted(
        {g for (g,) in _rows(con, "togetheros__groups", "group_id")}
        | {g for (g,) in _rows(con, "community__groups", "group_id")}
    )
    mapping = {(s, str(i)): g for s, i, g in _rows(con, "community__space_groups", "source, space_id, group_id")}
    parents = {str(c): str(p) for c, p in _rows(con, "discourse__categories", "category_id, parent_category_id") if p}
    report = SpaceReport(groups, spaces(con))
    space_groups, groups_file = inbox / "community" / "space_groups.csv", inbox / "community" / "groups.csv"
    known = set(groups) or {DEFAULT_GROUP}
    for (source, space_id), group in sorted(mapping.items()):
        if group not in known:
            report.errors.append(
                f"{space_groups} puts {source} space {space_id!r} in group {group!r}, which no groups file "
                f"defines: add the group to {groups_file} (group_id,name,level,parent_id) "
                f"{'or to the TogetherOS groups table ' if groups else ''}or correct the line"
                + ("" if groups else " (there are no groups yet: run `togetheros init` for a template)")
            )
    if not groups:
        report.notes.append(
            f"No groups defined (no TogetherOS groups table, no {groups_file}): everything is published "
            f"under one default group {DEFAULT_GROUP!r}. To publish per group, run `togetheros init` and edit "
            "the templates it writes."
        )
    if len(groups) <= 1:
        return report
    for space in report.spaces:
        key = (space.source, space.space_id)
        if key in mapping or (space.source == "discourse" and (space.source, parents.get(space.space_id)) in mapping):
            continue
        # a ledger folder listed with a trailing `/` is one set of books: it maps every file below it
        if space.source == "ledger" and any(
            s == "ledger" and i.endswith("/") and space.space_id.startswith(i) for s, i in mapping
        ):
            continue
        origin = f" (named in inbox/{space.source}/{space.file_name})" if space.file_name else ""
        report.errors.append(
            f"{space.source} space {space.space_id!r} ({space.what}){origin} belongs to no group: add the line "
            f"`{space.source},{space.space_id},<group_id>` to {space_groups} (groups: {', '.join(groups)})"
        )
    if any("belongs to no group" in e for e in report.errors):
        report.errors.append(
            f"With {len(groups)} groups every space needs a line in {space_groups}; `togetheros init` lists "
            "every space id found in the inbox."
        )
    return report


# --- `togetheros init`: the community folder's templates ------------------------------------------


def inbox_spaces(inbox: Path, limits: Limits | None = None) -> tuple[list[Space], list[str]]:
    """The spaces and TogetherOS groups the inbox's files name, read by the real parsers (within
    `limits`, default `Limits()`) into a throwaway warehouse (nothing under data/ changes)."""
    from pipelines.landing import land_inbox
    from pipelines.raw import load_source
    from pipelines.settings import SOURCES

    with tempfile.TemporaryDirectory(prefix="togetheros-init-") as scratch, duckdb.connect() as con:
        for source in SOURCES:
            landed, _ = land_inbox(inbox, Path(scratch), source)
            load_source(con, source, landed, Path(scratch), limits)
        groups = sorted({g for (g,) in _rows(con, "togetheros__groups", "group_id")})
        return spaces(con), groups


def write_templates(inbox: Path, limits: Limits | None = None) -> list[str]:
    """Write community/groups.csv (when the community has no groups yet) and community/space_groups.csv
    (every space the inbox names, in the default group) unless they exist; returns what was done, in
    words. An existing space_groups.csv is left alone and the lines it lacks are listed instead."""
    found, togetheros_groups = inbox_spaces(inbox, limits)
    folder = inbox / "community"
    folder.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    groups_path, mapping_path = folder / "groups.csv", folder / "space_groups.csv"
    group = togetheros_groups[0] if togetheros_groups else DEFAULT_GROUP
    if togetheros_groups:
        done.append(f"groups: the TogetherOS groups table has {len(togetheros_groups)}; no groups.csv written")
    elif groups_path.exists():
        done.append(f"{groups_path} exists: left as it is")
    else:
        groups_path.write_text(f"group_id,name,level,parent_id\n{DEFAULT_GROUP},Whole community,global,\n")
        done.append(
            f"wrote {groups_path}: one group {DEFAULT_GROUP!r}; add yours (level: local, regional, national, global)"
        )
    lines = [(s.source, s.space_id, group, s.what, s.file_name) for s in found]
    if mapping_path.exists():
        with mapping_path.open(newline="", encoding="utf-8") as handle:
            existing = {(r.get("source"), r.get("space_id")) for r in csv.DictReader(handle)}
        missing = [line for line in lines if line[:2] not in existing]
        done.append(f"{mapping_path} exists: left as it is; it lacks {len(missing)} space(s)")
        done += [f"  {source},{space_id},<group_id>   # {what}: {name}" for source, space_id, _, what, name in missing]
        return done
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["source", "space_id", "group_id"])
    for source, space_id, group_id, _, _ in lines:
        writer.writerow([source, space_id, group_id])
    mapping_path.write_text(out.getvalue())
    done.append(f"wrote {mapping_path}: {len(lines)} space(s), each in group {group!r}; change the group of each")
    done += [f"  {source},{space_id}   # {what}: {name}" for source, space_id, _, what, name in lines]
    return done
