"""Open Collective, landing → raw: the account transactions CSV export and the GraphQL v2
`transactions` pages (as `fetch` saves them).

Files (data/inbox/opencollective/):
- `<slug>-transactions.csv` in either generation of the export: key headers (`datetime,shortId,
  shortGroup,…`) or human headers (`Effective Date & Time,Transaction ID,…`; `HUMAN_HEADERS` maps
  every label the platform uses to its key). Both legs of every group are kept.
- `graphql_transactions_<offset>.json`: pages saved by `fetch` (`opencollective/fetch.py`).

A CSV that ends in "Warning: totalCount is N and limit was M" or "Error while fetching account
transactions." is a truncated export: that line is quarantined (rule `export:truncated`), never read as
a row. Amounts are host-currency major units in the file and integer minor units here; an unknown
currency is quarantined (`currency:unknown`); zone-less datetimes are UTC.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from pipelines.sources.contracts import Checked, TableContract, load_contract
from pipelines.sources.csv_files import read_csv
from pipelines.sources.money import CURRENCY_EXPONENTS, CURRENCY_SYMBOLS, to_minor
from pipelines.sources.quarantine import Refused, check_rows, refuse_file, refuse_future, rows_frame, unreadable

SOURCE = "opencollective"

# human-readable export labels (opencollective-frontend, both the 2024 and the older presets) -> keys
HUMAN_HEADERS = {
    "Date": "date",
    "Date & Time": "datetime",
    "Effective Date": "effectiveDate",
    "Effective Date & Time": "effectiveDate",
    "Transaction ID": "legacyId",
    "Legacy Transaction ID": "legacyId",
    "Short Transaction ID": "shortId",
    "Group ID": "group",
    "Short Group ID": "shortGroup",
    "Description": "description",
    "Type": "type",
    "Credit/Debit": "type",
    "Kind": "kind",
    "Is Refund": "isRefund",
    "Is Reverse": "isRefund",
    "Is Refunded": "isRefunded",
    "Is Reversed": "isRefunded",
    "Refund ID": "refundId",
    "Reverse Transaction ID": "refundId",
    "Short Refund ID": "shortRefundId",
    "Refund Legacy ID": "refundLegacyId",
    "Refund Kind": "refundKind",
    "Reverse Kind": "refundKind",
    "Display Amount": "displayAmount",
    "Original Currency Amount": "displayAmount",
    "Amount": "amount",
    "Amount Single Column": "netAmount",
    "Net Amount": "netAmount",
    "Credit Amount": "creditAmount",
    "Debit Amount": "debitAmount",
    "Payment Processor Fee": "paymentProcessorFee",
    "Platform Fee": "platformFee",
    "Host Fee": "hostFee",
    "Tax Amount": "taxAmount",
    "Balance": "balance",
    "Currency": "currency",
    "Account Handle": "accountSlug",
    "Account Name": "accountName",
    "Account Type": "accountType",
    "Account Email": "accountEmail",
    "Opposite Account Handle": "oppositeAccountSlug",
    "Opposite Account Name": "oppositeAccountName",
    "Opposite Account Type": "oppositeAccountType",
    "Opposite Account Email": "oppositeAccountEmail",
    "Host Handle": "hostSlug",
    "Host Name": "hostName",
    "Host Type": "hostType",
    "Payment Processor": "paymentMethodService",
    "Payment Method Service": "paymentMethodService",
    "Payment Method": "paymentMethodType",
    "Payment Method Type": "paymentMethodType",
    "Contribution ID": "orderId",
    "Legacy Contribution ID": "orderLegacyId",
    "Contribution Memo": "orderMemo",
    "Contribution Frequency": "orderFrequency",
    "Contribution Processed Date": "orderProcessedDate",
    "Contribution Custom Data": "orderCustomData",
    "Expense ID": "expenseId",
    "Legacy Expense ID": "expenseLegacyId",
    "Expense Type": "expenseType",
    "Expense Tags": "expenseTags",
    "Expense Payout Method Type": "payoutMethodType",
    "Payout Method Type": "payoutMethodType",
    "Merchant ID": "merchantId",
    "Accounting Category Code": "accountingCategoryCode",
    "Accounting Category Name": "accountingCategoryName",
    "Tax Type": "taxType",
    "Tax Rate": "taxRate",
    "Tax ID Number": "taxIdNumber",
    "Parent Account Handle": "parentAccountSlug",
    "Parent Account Type": "parentAccountType",
    "Opposite Parent Account Handle": "oppositeParentAccountSlug",
    "Opposite Parent Account Type": "oppositeParentAccountType",
}
TRUNCATION = re.compile(r"^\s*(Warning: totalCount is \d+ and limit was \d+|Error while fetching account transactions)")
REFUND_MARKS = {"REFUND", "REVERSE", "TRUE", "1"}
FEE_KEYS = ("paymentProcessorFee", "hostFee", "platformFee", "taxAmount")
DISPLAY_AMOUNT = re.compile(
    r"^(?P<sign>-)?\s*(?P<symbol>[^\d\s-]*)\s*(?P<number>-?[\d,]*\.?\d+)\s*(?P<code>[A-Z]{3})?$"
)


def parse(path: Path, file_name: str, landing_sha256: str) -> dict[str, Checked]:
    contract = load_contract(SOURCE)["transactions"]
    name = PurePosixPath(file_name).name.lower()
    try:
        if name.endswith(".csv"):
            return {"transactions": _parse_csv(path, file_name, landing_sha256, contract)}
        if name.endswith(".json"):
            return {"transactions": _parse_graphql(path, file_name, landing_sha256, contract)}
    except (OSError, ValueError, csv.Error) as error:
        return {"transactions": unreadable(contract, landing_sha256, file_name, error)}
    return {
        "transactions": refuse_file(
            contract,
            landing_sha256,
            file_name,
            "file:unknown_name",
            "expected <slug>-transactions.csv or graphql_transactions_<N>.json",
        )
    }


def unmapped_headers(header: list[str]) -> list[str]:
    """Headers of an export that are neither keys nor known labels (a renamed column, a new export)."""
    keys = set(HUMAN_HEADERS.values())
    return [h for h in header if h not in HUMAN_HEADERS and h not in keys]


# --- CSV export -------------------------------------------------------------------------------------


def _parse_csv(path: Path, file_name: str, sha: str, contract: TableContract) -> Checked:
    table = read_csv(path, separators=",")
    keys = [HUMAN_HEADERS.get(h, h) for h in table.header]
    missing = [k for k in ("type", "currency", "accountSlug") if k not in keys]
    if not {"netAmount", "amount", "creditAmount"} & set(keys):
        missing.append("netAmount or amount")
    if missing:
        return refuse_file(
            contract,
            sha,
            file_name,
            "header:missing_columns",
            f"header {table.header[:10]} lacks {missing}; unknown headers: {unmapped_headers(table.header)[:10]}",
        )
    refused = [_truncation(r) for r in table.refused]
    rows, currency_refused = [], []
    for raw in table.records(keys):
        row = _csv_row(raw)
        inexact = _inexact_amount(row)
        if row["currency"] not in CURRENCY_EXPONENTS:
            currency_refused.append(
                Refused(
                    raw["_record"],
                    "currency:unknown",
                    f"currency {raw.get('currency')!r} is not an ISO 4217 code we know",
                    raw.get("currency"),
                    "currency",
                )
            )
        elif inexact:
            currency_refused.append(
                Refused(
                    raw["_record"],
                    "amount:precision",
                    f"{inexact} has more decimals than {row['currency']} has",
                    inexact,
                    "net_amount_minor",
                )
            )
        else:
            rows.append(row)
    frame = rows_frame(rows, [c.name for c in contract.columns])
    checked = check_rows(contract, frame, sha, file_name, refused + currency_refused)
    if any(r.rule == "export:truncated" for r in refused):
        checked.notes.append(f"{file_name} is a truncated export: re-export with fetchAll=1 or use the GraphQL API")
    return refuse_future(checked, contract, sha, file_name, ["created_at"])


def _inexact_amount(row: dict[str, Any]) -> str | None:
    """A number that is readable but not a whole number of the currency's minor units (10.5 JPY)."""
    for column in ("net_amount_minor", "amount_minor", "balance_minor"):
        value = row[column]
        if isinstance(value, str) and re.fullmatch(r"-?\d[\d,]*\.\d+", value.strip()):
            return value
    return None


def _truncation(refused: Refused) -> Refused:
    if refused.value and TRUNCATION.match(refused.value):
        return Refused(
            refused.record,
            "export:truncated",
            "the export stops here; rows after this line are missing from the file",
            refused.value,
        )
    return refused


def _csv_row(raw: dict[str, str]) -> dict[str, Any]:
    def text(key: str) -> str | None:
        value = (raw.get(key) or "").strip()
        return value or None

    currency = (text("currency") or "").upper()
    net_text = text("netAmount") or text("creditAmount") or text("debitAmount")
    net = to_minor(net_text, currency)  # the gross below needs it exact
    if text("amount") is not None:
        amount: Any = _minor_or_text(text("amount"), currency)
    else:  # the human export has the net amount and the fees; the fees are negative
        fees = [to_minor(text(k) or "0", currency) for k in FEE_KEYS]
        amount = net_text if net is None or None in fees else net - sum(fees)
    original_minor, original_currency = display_amount(text("displayAmount"))
    return {
        "transaction_id": text("id") or text("legacyId") or text("shortId"),
        "group_id": text("group") or text("shortGroup"),
        "created_at": text("datetime") or text("effectiveDate") or text("date"),
        "type": text("type"),
        "kind": text("kind"),
        "is_refund": str((text("isRefund") or "").upper() in REFUND_MARKS).lower(),
        "amount_minor": amount,
        "net_amount_minor": _minor_or_text(net_text, currency),
        "balance_minor": _minor_or_text(text("balance"), currency),
        "currency": currency,
        "account_slug": text("accountSlug"),
        "account_name": text("accountName"),
        "opposite_account_slug": text("oppositeAccountSlug"),
        "opposite_account_name": text("oppositeAccountName"),
        "expense_tags": text("expenseTags"),
        "description": text("description"),
        "original_amount_minor": original_minor,
        "original_currency": original_currency,
        "refund_of_id": text("refundId") or text("refundLegacyId") or text("shortRefundId"),
        "_record": raw["_record"],
    }


def _minor_or_text(value: str | None, currency: str) -> int | str | None:
    """Minor units, or the text itself when it is not exact (so a rule reports it, never a silent null)."""
    minor = to_minor(value, currency)
    return minor if minor is not None else value


def display_amount(text: str | None) -> tuple[int | None, str | None]:
    """`-$454.99 USD`, `$10.00 USD`, `€5 EUR` as (minor units, ISO currency); (None, None) if unreadable."""
    match = DISPLAY_AMOUNT.match((text or "").strip())
    if not match:
        return None, None
    currency = match.group("code") or CURRENCY_SYMBOLS.get(match.group("symbol"))
    minor = to_minor(match.group("number"), currency)
    if minor is None:
        return None, None
    return (-minor if match.group("sign") else minor), currency


# --- GraphQL pages ----------------------------------------------------------------------------------


def _parse_graphql(path: Path, file_name: str, sha: str, contract: TableContract) -> Checked:
    try:
        body = json.loads(path.read_bytes())
        nodes = body["data"]["transactions"]["nodes"]
    except (ValueError, KeyError, TypeError) as error:
        return refuse_file(
            contract,
            sha,
            file_name,
            "file:not_a_transactions_page",
            f"not a GraphQL transactions page ({type(error).__name__}: {str(error)[:100]})",
        )
    rows, refused = [], []
    for index, node in enumerate(nodes):
        record = f"$.data.transactions.nodes[{index}]"
        if not isinstance(node, dict):
            refused.append(Refused(record, "node:not_object", "a transaction node that is not an object"))
            continue
        row = _graphql_row(node, record)
        if row["currency"] not in CURRENCY_EXPONENTS:
            refused.append(
                Refused(
                    record,
                    "currency:unknown",
                    f"currency {row['currency']!r} is not an ISO 4217 code we know",
                    row["currency"],
                    "currency",
                )
            )
        else:
            rows.append(row)
    frame = rows_frame(rows, [c.name for c in contract.columns])
    checked = check_rows(contract, frame, sha, file_name, refused)
    return refuse_future(checked, contract, sha, file_name, ["created_at"])


def _money(amount: Any) -> tuple[Any, str]:
    """GraphQL Amount {value, currency, valueInCents} as (minor units or the raw value, currency)."""
    if not isinstance(amount, dict):
        return None, ""
    currency = str(amount.get("currency") or "").upper()
    minor = to_minor(amount.get("value"), currency)
    if minor is None and isinstance(amount.get("valueInCents"), int) and CURRENCY_EXPONENTS.get(currency) == 2:
        minor = amount["valueInCents"]
    return (minor if minor is not None else amount.get("value")), currency


def _graphql_row(node: dict, record: str) -> dict[str, Any]:
    def slug_name(key: str) -> tuple[Any, Any]:
        account = node.get(key) if isinstance(node.get(key), dict) else {}
        return account.get("slug"), account.get("name")

    amount, currency = _money(node.get("amountInHostCurrency") or node.get("amount"))
    net, _ = _money(node.get("netAmountInHostCurrency") or node.get("netAmount") or node.get("amount"))
    balance, _ = _money(node.get("balanceInHostCurrency"))
    original, original_currency = _money(node.get("amount"))
    expense = node.get("expense") if isinstance(node.get("expense"), dict) else {}
    refund = node.get("refundTransaction") if isinstance(node.get("refundTransaction"), dict) else {}
    tags = expense.get("tags")
    return {
        "transaction_id": node.get("id") or node.get("legacyId"),
        "group_id": node.get("group"),
        "created_at": node.get("createdAt"),
        "type": node.get("type"),
        "kind": node.get("kind"),
        "is_refund": bool(node.get("isRefund")),
        "amount_minor": amount,
        "net_amount_minor": net,
        "balance_minor": balance,
        "currency": currency,
        "account_slug": slug_name("account")[0],
        "account_name": slug_name("account")[1],
        "opposite_account_slug": slug_name("oppositeAccount")[0],
        "opposite_account_name": slug_name("oppositeAccount")[1],
        "expense_tags": ", ".join(map(str, tags)) if isinstance(tags, list) else tags,
        "description": node.get("description"),
        "original_amount_minor": original if isinstance(original, int) else None,
        "original_currency": original_currency or None,
        "refund_of_id": refund.get("id"),
        "_record": record,
    }
