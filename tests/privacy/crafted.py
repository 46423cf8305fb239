"""Inputs built to break each visibility rule, added to a demo inbox (copied from the demo's own records,
so they stay in the exact native format), plus the real files from ../shared/realdata."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

# distinctive ids, so each planted record can be found again in the warehouse
TOPIC_ID, PM_TOPIC_ID = 990001, 990002
VISIBLE_POST, WHISPER_POST, HIDDEN_POST, DELETED_POST = 99000101, 99000102, 99000103, 99000104
PM_POST = 99000201
DECIDIM_WITHDRAWN, DECIDIM_PUBLISHED = 990001, 990002
DELETED_PROPOSAL = "00000000-0000-4000-8000-0000000dead1"
KEPT_PROPOSAL = "00000000-0000-4000-8000-0000000a11fe"
INCOGNITO_SHORT_ID = "ffff0001"
INCOGNITO_SLUG = "incognito-c0ffee"
BALANCE_SECONDS = 86_399_917  # a balance no aggregate could produce by accident
FORMULA_NAMES = ('=HYPERLINK("http://x.example/?q=1","open")', "@SUM(1+1)", "+1 street group", "-2+3 group")


def _ndjson_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _append_ndjson(path: Path, rows: list[dict]) -> None:
    with path.open("a") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)


def _discourse(inbox: Path) -> None:
    template = json.loads((inbox / "discourse" / "t_100.json").read_text())
    post = template["post_stream"]["posts"][0]
    variants = {
        VISIBLE_POST: {},
        WHISPER_POST: {"post_type": 4},
        HIDDEN_POST: {"hidden": True},
        DELETED_POST: {"user_deleted": True, "deleted_at": post["created_at"]},
    }
    posts = [
        post | {"id": pid, "post_number": n, "topic_id": TOPIC_ID} | change
        for n, (pid, change) in enumerate(variants.items(), start=1)
    ]
    folder = inbox / "discourse" / "crafted"
    folder.mkdir()
    for topic_id, archetype, topic_posts in (
        (TOPIC_ID, "regular", posts),
        (PM_TOPIC_ID, "private_message", [post | {"id": PM_POST, "topic_id": PM_TOPIC_ID}]),
    ):
        topic = copy.deepcopy(template) | {"id": topic_id, "archetype": archetype, "posts_count": len(topic_posts)}
        topic["post_stream"] = {"posts": topic_posts, "stream": [p["id"] for p in topic_posts]}
        (folder / f"t_{topic_id}.json").write_text(json.dumps(topic))


def _decidim(inbox: Path) -> None:
    demo_zip = next((inbox / "decidim").glob("*-open-data.zip"))
    with zipfile.ZipFile(demo_zip) as archive:
        member = next(n for n in archive.namelist() if n.endswith("-open-data-proposals.csv"))
        rows = list(csv.DictReader(io.StringIO(archive.read(member).decode()), delimiter=";"))
    first = rows[0]

    def page(proposal_id: int) -> str:  # a planted proposal's own page (the export's url names its id)
        return first["url"].rsplit("/", 1)[0] + f"/{proposal_id}" if first.get("url") else ""

    planted = [
        first
        | {
            "id": str(DECIDIM_WITHDRAWN),
            "state": "withdrawn",
            "withdrawn": "true",
            "withdrawn_at": first["published_at"],
            "url": page(DECIDIM_WITHDRAWN),
        },
        first
        | {
            "id": str(DECIDIM_PUBLISHED),
            "state": "accepted",
            "withdrawn": "false",
            "withdrawn_at": "",
            "url": page(DECIDIM_PUBLISHED),
        },
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(first), delimiter=";")
    writer.writeheader()
    writer.writerows(planted)
    with zipfile.ZipFile(inbox / "decidim" / "crafted.example-open-data.zip", "w") as archive:
        archive.writestr("crafted.example-open-data-proposals.csv", out.getvalue())


def _opencollective(inbox: Path) -> None:
    exports = sorted((inbox / "opencollective").glob("*.csv"))
    path = next(p for p in exports if "CONTRIBUTION" in p.read_text())
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    contribution = next(r for r in rows if r["kind"] == "CONTRIBUTION")
    planted = contribution | {
        "shortId": INCOGNITO_SHORT_ID,
        "oppositeAccountSlug": INCOGNITO_SLUG,
        "oppositeAccountName": "Incognito",
    }
    with path.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(contribution)).writerow(planted)


def _togetheros(inbox: Path) -> None:
    proposals = inbox / "togetheros" / "proposals.ndjson"
    live = next(p for p in _ndjson_rows(proposals) if p["deleted_at"] is None)
    _append_ndjson(
        proposals,
        [
            live | {"proposal_id": DELETED_PROPOSAL, "deleted_at": live["updated_at"]},
            live | {"proposal_id": KEPT_PROPOSAL},
        ],
    )
    groups = inbox / "togetheros" / "groups.ndjson"
    root = next(g for g in _ndjson_rows(groups) if g["parent_id"] is None)
    _append_ndjson(
        groups,
        [
            root
            | {
                "group_id": f"00000000-0000-4000-8000-00000000f00{n}",
                "name": name,
                "handle": f"@f{n}@x.example",
                "type": "regional",
                "parent_id": root["group_id"],
            }
            for n, name in enumerate(FORMULA_NAMES)
        ],
    )


def _timeoverflow(inbox: Path) -> None:
    path = inbox / "timeoverflow" / "accounts.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    member = next(r for r in rows if r["accountable_type"] == "Member")
    member["balance"] = str(BALANCE_SECONDS)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def plant_rule_breakers(inbox: Path) -> None:
    for plant in (_discourse, _decidim, _opencollective, _togetheros, _timeoverflow):
        plant(inbox)


# real files -> the inbox names our parsers expect (Discourse: the names the fetcher writes)
REAL_DISCOURSE = {
    "latest_order_activity_ascending_false_page_0.json": "latest_page_0.json",
    "latest_order_activity_ascending_false_page_1.json": "latest_page_1.json",
    "t_11.json": "t_11.json",
    "t_21.json": "t_21.json",
    "t_26.json": "t_26.json",
    "t_26_page_2.json": "t_26_posts_1.json",
    "categories_show_subcategory_list_true.json": "categories.json",
}


REAL_BOOKS_FOLDER, REAL_BOOK = "sshchicago", "hackclub_main"  # their space ids: "sshchicago/" and "hackclub_main"


def real_book_people(realdata: Path) -> set[str]:
    """People the real books name, found without writing their names here: the members who lent the
    hackerspace money (sshchicago keeps each loan in an account `Liabilities:<Name>`, noted "Borrowed
    funds from member") and hackclub's most frequent payee (a person); normalised as scan terms."""
    loans = re.compile(r"^\s+Liabilities:(\w+)\t.*Borrowed funds from member", re.MULTILINE)
    lenders = {
        name.casefold()
        for book in sorted((realdata / "ledger" / "sshchicago").glob("fy*.dat"))
        for name in loans.findall(book.read_text(encoding="utf-8"))
    }
    payees = re.findall(
        r"^\d{4}/\d\d/\d\d[ \t]+(?:[*!][ \t]+)?(.+?)\s*$",
        (realdata / "ledger" / "hackclub" / "hackclub_main.ledger").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    return lenders | {Counter(payees).most_common(1)[0][0].casefold()}


def copy_real_files(realdata: Path, inbox: Path) -> None:
    """Copy the real exports into an inbox layout (Discourse pages in a subfolder, beside any demo pages)."""
    discourse = inbox / "discourse" / "real"
    discourse.mkdir(parents=True)
    for original, name in REAL_DISCOURSE.items():
        shutil.copy(realdata / "discourse_sourcecred" / original, discourse / name)
    shutil.copy(realdata / "discourse_api" / "topic.json", discourse / "t_57.json")
    for folder in ("opencollective", "ledger"):
        (inbox / folder).mkdir(exist_ok=True)
    shutil.copy(
        realdata / "opencollective" / "astro_oc_transactions.csv",
        inbox / "opencollective" / "astrodotbuild-transactions.csv",
    )
    # the real books: one ledger-cli file per fiscal year (one set of books, a folder) and a single file;
    # their payees, narrations and withheld account levels are scan terms, their people must not leak
    shutil.copytree(realdata / "ledger" / "sshchicago", inbox / "ledger" / REAL_BOOKS_FOLDER)
    shutil.copy(realdata / "ledger" / "hackclub" / "hackclub_main.ledger", inbox / "ledger" / f"{REAL_BOOK}.ledger")


def map_real_spaces(real_inbox: Path, inbox: Path, api_spaces: tuple[tuple[str, str], ...] = ()) -> None:
    """Map every space the real exports name, and the fake APIs' `api_spaces` (source, space id), to the
    demo's first mapped group: with several groups, an unmapped space stops the run before dbt
    (pipelines/spaces.py)."""
    from pipelines.spaces import inbox_spaces

    mapping = inbox / "community" / "space_groups.csv"
    lines = mapping.read_text(encoding="utf-8").splitlines()
    group = lines[1].split(",")[2]
    found, _ = inbox_spaces(real_inbox)
    # a folder of yearly ledger files is one set of books: mapped once, with a trailing `/`
    named = [
        (
            space.source,
            f"{space.space_id.split('/')[0]}/"
            if space.source == "ledger" and "/" in space.space_id
            else space.space_id,
        )
        for space in found
    ] + list(api_spaces)
    added = sorted({f"{source},{space_id},{group}" for source, space_id in named})
    mapping.write_text("\n".join(lines + added) + "\n", encoding="utf-8")
