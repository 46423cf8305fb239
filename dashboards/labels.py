"""Account and category names in words, for legends and diagrams: never an internal id.

The words come from a small CSV the community edits (`labels.csv` beside this file, or the file
TOGETHEROS_LABELS_FILE names: `id,label` rows, an id being an account or a category as the release
spells it, and optionally `label_es`, `label_pt`, ... for the dashboard's other languages; an empty one
falls back to `label`); anything it does not name is put into words by rule ("grenoble:assets:bank:checking" held
by Grenoble reads "Grenoble: bank checking", an Open Collective collective "Lyon: Open Collective").
"""

from __future__ import annotations

import csv
import os
from functools import cache
from pathlib import Path

from dashboards import i18n

LABELS_ENV = "TOGETHEROS_LABELS_FILE"
DEFAULT_LABELS = Path(__file__).with_name("labels.csv")


def labels_file() -> Path:
    return Path(os.environ.get(LABELS_ENV) or DEFAULT_LABELS)


@cache
def _labels(path: Path, language: str) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {"id", "label"} <= set(rows[0]):
        raise ValueError(f"{path}: the labels file needs the columns id,label (found {', '.join(rows[0])})")
    for line, row in enumerate(rows, start=2):
        if not (row["id"] or "").strip() or not (row["label"] or "").strip():
            raise ValueError(f"{path}, line {line}: every row needs an id and a label")
    own = f"label_{language}"
    return {row["id"].strip(): (row.get(own) or row["label"]).strip() for row in rows}


def labels() -> dict[str, str]:
    """Every id the community named, in the current language."""
    return _labels(labels_file(), i18n.language())


def words(identifier: str) -> str:
    """'bank_fees' -> 'Bank fees'."""
    text = " ".join(identifier.replace("_", " ").replace("-", " ").split())
    return text[:1].upper() + text[1:]


# the roots of a chart of accounts: "expenses:rent" reads "Rent" (the Sankey says in or out already)
ROOTS = ("income", "expenses", "expense", "revenue", "assets", "liabilities", "equity")


def category_label(category: str) -> str:
    if category in labels():
        return labels()[category]
    parts = [p for p in category.split(":") if p]
    if len(parts) > 1 and parts[0].lower() in ROOTS:
        parts = parts[1:]
    return words(" ".join(parts) or category)


def account_label(account: str, group_name: str) -> str:
    """An account's name in words, with the group that holds it."""
    if account in labels():
        return labels()[account]
    if ":" not in account:  # an Open Collective collective, named by its slug
        return f"{group_name}: Open Collective"
    parts = account.split(":")
    # the books' accounts read "<book>:assets:<name…>"; the book and root add nothing in a legend
    kept = parts[parts.index("assets") + 1 :] if "assets" in parts else parts[1:]
    return f"{group_name}: {' '.join(words(p).lower() for p in kept) or words(account)}"
