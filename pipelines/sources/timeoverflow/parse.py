"""TimeOverflow time banks and plain hour logs (data/inbox/timeoverflow/).

Three kinds of file:
- database exports with an allow-list of columns, under their table names: `users.csv`, `members.csv`,
  `accounts.csv`, `transfers.csv`, `movements.csv`, `organizations.csv` (db column names, amounts in
  integer seconds). A transfer whose movements do not sum to zero is quarantined with all its movements.
- the report `Transfers_<date>.csv` (TimeOverflow names it `<org>_<Transfers, translated>_<date>.csv`):
  localized headers (Spanish, English, Catalan), "H:MM" quantities, "Name (uid)" display strings.
- plain `hours_<name>.csv` logs: `date,provider,receiver,hours`, hours decimal (or H:MM).

A TimeOverflow transfer moves time from the account of the member who received the service (From,
debited) to the one who gave it (To, credited): in `hours`, provider = To and receiver = From.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path, PurePosixPath

import polars as pl

from pipelines.sources.contracts import Checked, TableContract, load_contract
from pipelines.sources.csv_files import check_csv, read_csv
from pipelines.sources.dates import duration_seconds
from pipelines.sources.quarantine import check_rows, refuse_accepted, refuse_file, refuse_future, rows_frame, unreadable

SOURCE = "timeoverflow"

# database export: file name -> (entity, db column -> raw column where they differ)
DB_EXPORTS = {
    "users.csv": ("users", {"id": "user_id"}),
    "members.csv": ("members", {"id": "member_id"}),
    "accounts.csv": ("accounts", {"id": "account_id", "balance": "balance_seconds"}),
    "transfers.csv": ("transfers", {"id": "transfer_id"}),
    "movements.csv": ("movements", {"id": "movement_id", "amount": "amount_seconds"}),
    "organizations.csv": ("organizations", {"id": "organization_id"}),
}
RECORDED_AT = {"transfers": ["created_at"], "movements": ["created_at"]}  # checked against the clock

# the report's column headers in the locales TimeOverflow ships most (es is its default)
REPORT_HEADERS = {
    "date": {"fecha", "date", "data"},
    "from": {"origen", "from", "de", "desde"},
    "to": {"destino", "to", "destí", "desti", "destinació", "a", "para"},
    "post": {"anuncio", "post", "anunci", "publicación", "publicació"},
    "quantity": {"cantidad", "quantity", "quantitat"},
}
HOURS_HEADERS = {"date": {"date"}, "provider": {"provider"}, "receiver": {"receiver"}, "hours": {"hours"}}
HOURS_FILE = re.compile(r"^hours_.+\.csv$", re.IGNORECASE)
REPORT_FILE = re.compile(r"^.*transfer.*\.csv$", re.IGNORECASE)  # Transfers, Transferencias, …


def parse(path: Path, file_name: str, landing_sha256: str) -> dict[str, Checked]:
    contracts = load_contract(SOURCE)
    name = PurePosixPath(file_name).name
    if name.lower() in DB_EXPORTS:
        entity, aliases = DB_EXPORTS[name.lower()]
    elif HOURS_FILE.match(name) or REPORT_FILE.match(name):
        entity, aliases = "hours", None
    else:
        detail = f"expected {sorted(DB_EXPORTS)}, Transfers_<date>.csv or hours_<name>.csv"
        return {"hours": refuse_file(contracts["hours"], landing_sha256, file_name, "file:unknown_name", detail)}
    try:
        if aliases is None:
            return {entity: _hours(path, file_name, landing_sha256, contracts[entity])}
        return {entity: _db_export(path, file_name, landing_sha256, contracts[entity], aliases)}
    except (OSError, ValueError, csv.Error) as error:
        return {entity: unreadable(contracts[entity], landing_sha256, file_name, error)}


def _db_export(path: Path, file_name: str, sha: str, contract: TableContract, aliases: dict[str, str]) -> Checked:
    checked = check_csv(path, file_name, sha, contract, aliases)
    checked = refuse_future(checked, contract, sha, file_name, RECORDED_AT.get(contract.entity, []))
    if contract.entity == "movements":
        unbalanced = pl.col("amount_seconds").sum().over("transfer_id") != 0
        checked = refuse_accepted(
            checked,
            contract,
            sha,
            file_name,
            unbalanced,
            "transfer:unbalanced",
            "transfer_id",
            "the movements of this transfer do not sum to zero",
        )
    return checked


def _column_for(header: list[str], names: dict[str, set[str]]) -> dict[str, str]:
    """Our column name for each header found under one of its localized names."""
    found = {}
    for h in header:
        for ours, aliases in names.items():
            if h.strip().lower() in aliases:
                found[h] = ours
    return found


def _hours(path: Path, file_name: str, sha: str, contract: TableContract) -> Checked:
    table = read_csv(path)
    is_report = not HOURS_FILE.match(PurePosixPath(file_name).name)
    names = REPORT_HEADERS if is_report else HOURS_HEADERS
    ours = _column_for(table.header, names)
    missing = sorted(set(names) - set(ours.values()) - {"post"})
    if missing:
        return refuse_file(
            contract,
            sha,
            file_name,
            "header:missing_columns",
            f"header {table.header[:8]} lacks {missing} (accepted names: "
            f"{ {k: sorted(v) for k, v in names.items() if k in missing} })",
        )
    rows = []
    for row in table.records([ours.get(h, h) for h in table.header]):
        when = (row.get("date") or "").strip()
        amount = row.get("quantity") if is_report else row.get("hours")
        seconds = duration_seconds(amount)
        rows.append(
            {
                "exchange_id": f"{file_name}:{row['_record']}",
                "file_name": file_name,
                # a plain date is the start of that day in UTC
                "exchanged_on": f"{when}T00:00:00" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", when) else when,
                "provider": row.get("to") if is_report else row.get("provider"),
                "receiver": row.get("from") if is_report else row.get("receiver"),
                # an unreadable amount stays text so the contract reports it as not an integer
                "seconds": amount if seconds is None else seconds,
                "post": row.get("post"),
                "_record": row["_record"],
            }
        )
    frame = rows_frame(rows, [c.name for c in contract.columns])
    checked = check_rows(contract, frame, sha, file_name, table.refused)
    checked = refuse_future(checked, contract, sha, file_name, ["exchanged_on"])
    same = (
        pl.col("provider").str.strip_chars().str.to_lowercase()
        == pl.col("receiver").str.strip_chars().str.to_lowercase()
    )
    return refuse_accepted(
        checked,
        contract,
        sha,
        file_name,
        same,
        "hours:same_person",
        "provider",
        "the provider is also the receiver",
    )
