"""A small demo community whose treasury also keeps the books a test writes: shared by the end-to-end
treasury tests."""

from __future__ import annotations

import csv
from pathlib import Path


def demo_inbox_with_books(data_dir: Path, *, members: int, seed: int, books: dict[str, str], spaces: list[str]) -> Path:
    """The demo's inbox under `data_dir` with `books` (paths under inbox/ledger/ → text) written in, and
    `spaces` (`source,space_id`) mapped to the group the demo's own ledger belongs to."""
    from demo.generate import generate

    inbox = data_dir / "inbox"
    generate(inbox, members=members, seed=seed)
    for name, text in books.items():
        path = inbox / "ledger" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    groups_csv = inbox / "community" / "space_groups.csv"
    group_id = next(r["group_id"] for r in csv.DictReader(groups_csv.open()) if r["source"] == "ledger")
    with groups_csv.open("a", encoding="utf-8") as handle:
        handle.writelines(f"{space},{group_id}\n" for space in spaces)
    return inbox
