"""Plain-text books (ledger-cli syntax) kept by one city group per nation: `<city>.journal`."""

from __future__ import annotations

import numpy as np

from demo import names
from demo.context import Context
from demo.treasury import NON_LOCAL_PAYEES, Books, local_payees, treasury_books

SOURCE = "ledger"
SHARE = 0.004
ASSET = "Assets:Checking"
# (weight, account, payee kind, typical amount in major units)
KINDS = [
    (0.38, "Income:Donations", "donor", 40),
    (0.2, "Income:Membership Dues", "member", 15),
    (0.12, "Expenses:Supplies", "local", 60),
    (0.1, "Expenses:Events", "local", 150),
    (0.1, "Expenses:Software", "remote", 25),
    (0.1, "Expenses:Printing", "local", 80),
]


def money(cents: int, currency: str) -> str:
    text = f"{abs(cents) / 100:.2f}"
    sign = "-" if cents < 0 else ""
    return f"{sign}${text}" if currency == "USD" else f"{sign}{text} EUR"


def write(ctx: Context) -> None:
    rng = ctx.rng(SOURCE)
    folder = ctx.folder(SOURCE)
    journals = [b for b in treasury_books(ctx.federation) if b.kind == SOURCE]
    per_journal = max(40, ctx.share(SHARE) // len(journals))
    for k, books in enumerate(journals):
        lines, count = journal(ctx, rng, books, per_journal, plant_defect=k == 0)
        file_name = f"{books.name}.journal"
        (folder / file_name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        ctx.wrote(SOURCE, file_name, count, events=count)
        ctx.space(SOURCE, books.name, books.group.index)


def journal(ctx: Context, rng: np.random.Generator, books: Books, n: int, plant_defect: bool) -> tuple[list[str], int]:
    city = books.group.name.removesuffix(" Commons")
    people = ctx.people
    members = np.flatnonzero(
        ctx.federation.city_ancestor_table()[books.group.index][people.city] & people.presence["togetheros"]
    )
    local = local_payees(books.group)
    landlord = local[1]  # the community hall
    for _, display, _ in local:
        ctx.payees[display] = True
    for _, display in NON_LOCAL_PAYEES:
        ctx.payees[display] = False
    ctx.payees["Bank Fees"] = False

    when = np.sort(ctx.calendar.sample(rng, n).astype("datetime64[D]"))
    weights = np.array([k[0] for k in KINDS])
    kind = rng.choice(len(KINDS), n, p=weights / weights.sum())
    entries: list[tuple[str, str, str, int, str]] = []  # (date, payee, account, cents, note)
    names_ = people.column("name")
    for k in range(n):
        _, account, payee_kind, typical = KINDS[kind[k]]
        cents = int(rng.lognormal(np.log(typical * 100), 0.6))
        if payee_kind in ("donor", "member"):
            roll = rng.random()
            payee = (
                names.ORGANIZATIONS[int(rng.integers(0, len(names.ORGANIZATIONS)))][0]
                if roll < 0.15
                else names_[int(rng.choice(members))]
                if len(members)
                else "Anonymous"
            )
            entries.append((str(when[k]), payee, account, -cents, ""))
        else:
            payee = (
                local[int(rng.integers(0, len(local)))][1]
                if payee_kind == "local"
                else NON_LOCAL_PAYEES[int(rng.integers(0, len(NON_LOCAL_PAYEES)))][1]
            )
            entries.append((str(when[k]), payee, account, cents, ""))
    for month in np.unique(when.astype("datetime64[M]")):  # rent and bank fees, every month
        first = str(month.astype("datetime64[D]"))
        entries.append(
            (
                first,
                landlord[1],
                "Expenses:Rent",
                85_000 if books.currency == "USD" else 70_000,
                f"Rent for {city} meeting space",
            )
        )
        entries.append((first, "Bank Fees", "Expenses:Bank Fees", 1_200, ""))
    entries.sort(key=lambda e: (e[0], e[1], e[2], e[3]))

    lines = (
        [
            f"; {city} Commons books, kept by the treasury working group",
            f"; currency {books.currency}",
            "",
            f"account {ASSET}",
        ]
        + [f"account {a}" for a in sorted({e[2] for e in entries})]
        + [""]
    )
    defect_at = len(entries) // 2 if plant_defect else -1
    for position, (day, payee, account, cents, note) in enumerate(entries):
        lines.append(f"{day.replace('-', '/')} {payee}")
        if note:
            lines.append(f"    ; {note}")
        lines.append(f"    {account:<40}{money(cents, books.currency):>14}")
        if position == defect_at:
            # Defect: both amounts written out, with a typo (digits swapped) - the entry does not balance.
            typo = money(-cents + 900, books.currency)
            lines.append(f"    {ASSET:<40}{typo:>14}")
            ctx.defect(
                SOURCE,
                f"{books.name}.journal",
                f"transaction of {day} '{payee}' does not balance (asset leg off by 9.00)",
            )
        elif position % 2:
            lines.append(f"    {ASSET}")  # amount left blank for ledger/hledger to infer
        else:
            lines.append(f"    {ASSET:<40}{money(-cents, books.currency):>14}")
        lines.append("")
    return lines, len(entries)
