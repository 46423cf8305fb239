"""Open Collective transactions CSV exports (`<slug>-transactions.csv`, key headers), one per collective.

Rows are the collective's own legs, newest first as the REST export returns them: contributions with
their payment-processor and host fees, expenses to local and non-local payees, and a few refunds as
reversing rows (`isRefund=REFUND`). `balance` is the running balance after each row.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from demo import names
from demo.context import Context
from demo.ids import HexPool
from demo.output import OC, stamp, write_csv
from demo.sampling import seconds
from demo.text import contact_line
from demo.treasury import EXPENSE_TAGS, NON_LOCAL_PAYEES, Books, local_payees, treasury_books

SOURCE = "opencollective"
SHARE = 0.012  # financial events (contributions, expenses, refunds); rows are about 2.5x that
HEADER = [
    "datetime",
    "shortId",
    "shortGroup",
    "description",
    "type",
    "kind",
    "isRefund",
    "isRefunded",
    "shortRefundId",
    "displayAmount",
    "amount",
    "netAmount",
    "balance",
    "currency",
    "accountSlug",
    "accountName",
    "oppositeAccountSlug",
    "oppositeAccountName",
    "paymentMethodService",
    "paymentMethodType",
    "expenseType",
    "expenseTags",
    "payoutMethodType",
    "merchantId",
    "orderMemo",
    "orderProcessedDate",
    "refundKind",
]
HOSTS = {
    "USD": ("opensource", "Open Source Collective", 0.10),
    "EUR": ("europe", "Open Collective Europe", 0.08),
}
SYMBOL = {"USD": "$", "EUR": "€"}
AMOUNTS = np.array([5, 10, 10, 20, 25, 25, 50, 100, 250])


def major(cents: int) -> str:
    """Amount in major units as the export prints it: 10, 8.71, -1001.13."""
    text = f"{cents / 100:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def display(cents: int, currency: str) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{SYMBOL[currency]}{abs(cents) / 100:,.2f} {currency}"


def write(ctx: Context) -> None:
    rng = ctx.rng(SOURCE)
    folder = ctx.folder(SOURCE)
    collectives = [b for b in treasury_books(ctx.federation) if b.kind == SOURCE]
    weights = np.array([b.group.size or 4.0 for b in collectives])
    budget = ctx.share(SHARE, minimum=60 * len(collectives))
    issued: set[str] = set()  # Open Collective ids are unique across collectives
    for books, events in zip(collectives, np.maximum(30, (budget * weights / weights.sum()).astype(int)), strict=True):
        rows = Collective(ctx, rng, books, issued).rows(int(events))
        frame = pl.DataFrame(rows, schema=HEADER, orient="row").reverse()  # newest first
        file_name = f"{books.name}-transactions.csv"
        write_csv(folder / file_name, frame)
        ctx.wrote(
            SOURCE,
            file_name,
            frame.height,
            events=frame.filter(pl.col("kind").is_in(["CONTRIBUTION", "EXPENSE"])).height,
        )
        ctx.space(SOURCE, books.name, books.group.index)


class Collective:
    def __init__(self, ctx: Context, rng: np.random.Generator, books: Books, issued: set[str]):
        self.ctx, self.rng, self.books = ctx, rng, books
        self.hex = HexPool(rng, issued=issued)
        self.currency = books.currency
        self.host_slug, self.host_name, self.host_rate = HOSTS[self.currency]
        self.name = f"TogetherOS {books.group.name.removesuffix(' Commons').removeprefix('TogetherOS ')}"
        self.balance = 0
        self.out: list[list] = []

    def row(
        self,
        when: str,
        group: str,
        description: str,
        type_: str,
        kind: str,
        cents: int,
        net: int,
        opposite: tuple[str, str],
        **extra: str,
    ) -> list:
        self.balance += net
        values = {
            "datetime": when,
            "shortId": self.hex.next(),
            "shortGroup": group,
            "description": description,
            "type": type_,
            "kind": kind,
            "displayAmount": display(cents, self.currency),
            "amount": major(cents),
            "netAmount": major(net),
            "balance": major(self.balance),
            "currency": self.currency,
            "accountSlug": self.books.name,
            "accountName": self.name,
            "oppositeAccountSlug": opposite[0],
            "oppositeAccountName": opposite[1],
            **extra,
        }
        row = [values.get(column, "") for column in HEADER]
        self.out.append(row)
        return row

    def rows(self, events: int) -> list[list]:
        ctx, rng = self.ctx, self.rng
        people = ctx.people
        when = np.sort(seconds(ctx.calendar.sample(rng, events)))
        kind = rng.choice(["contribution", "expense"], events, p=[0.72, 0.28])
        below = np.flatnonzero(ctx.federation.city_ancestor_table()[self.books.group.index])
        backers = people.pick(rng, events, SOURCE, cities=below)
        if len(backers) == 0:
            backers = people.pick(rng, events, SOURCE)
        handle, name = people.column("handle"), people.column("name")
        payees = local_payees(self.books.group)
        for payee_slug, _, _ in payees:
            ctx.payees[payee_slug] = True
        for payee_slug, _ in NON_LOCAL_PAYEES:
            ctx.payees[payee_slug] = False
        refunds: list[tuple[int, list, list]] = []
        stamps_text = stamp(when.astype("datetime64[s]"), OC).to_list()
        for k in range(events):
            while refunds and refunds[0][0] <= when[k]:
                self.refund(*refunds.pop(0))
            text = stamps_text[k]
            if kind[k] == "contribution":
                backer = int(backers[k])
                roll = rng.random()
                if roll < 0.1:
                    opposite = (f"incognito-{self.hex.next()[:6]}", "Incognito")
                elif roll < 0.22:
                    org_name, org_slug = names.ORGANIZATIONS[int(rng.integers(0, len(names.ORGANIZATIONS)))]
                    opposite = (org_slug, org_name)
                else:
                    opposite = (handle[backer], name[backer])
                cents = int(AMOUNTS[rng.integers(0, len(AMOUNTS))] * 100 * (1 + (roll > 0.97) * 9))
                memo = ""
                if backer < 3 and opposite[0] == handle[backer]:
                    memo = contact_line(backer, k)
                elif rng.random() < 0.15:
                    memo = "Keep up the good work!"
                pair = self.contribution(text, cents, opposite, memo)
                if rng.random() < 0.025:  # a few contributions are refunded a week or so later
                    refunds.append((int(when[k] + rng.integers(2, 15) * 86_400), *pair))
            else:
                self.expense(text, payees, handle, name, int(backers[k]))
        return self.out

    def contribution(self, when: str, cents: int, opposite: tuple[str, str], memo: str) -> tuple[list, list]:
        rng = self.rng
        group = self.hex.next()
        card = rng.random() < 0.8
        main = self.row(
            when,
            group,
            f"Monthly contribution to {self.name}",
            "CREDIT",
            "CONTRIBUTION",
            cents,
            cents,
            opposite,
            paymentMethodService="stripe" if card else "paypal",
            paymentMethodType="creditcard" if card else "payment",
            orderMemo=memo,
            orderProcessedDate=when[:10],
        )
        processor = round(cents * 0.029) + 30 if card else round(cents * 0.034) + 35
        self.row(
            when,
            group,
            "Stripe payment processor fee" if card else "PayPal payment processor fee",
            "DEBIT",
            "PAYMENT_PROCESSOR_FEE",
            -processor,
            -processor,
            ("stripe", "Stripe") if card else ("paypal", "PayPal"),
        )
        fee = round(cents * self.host_rate)
        host = self.row(
            when,
            self.hex.next(),
            f"Host Fee to {self.host_name}",
            "DEBIT",
            "HOST_FEE",
            -fee,
            -fee,
            (self.host_slug, self.host_name),
        )
        return main, host

    def refund(self, when_s: int, main: list, host: list) -> None:
        when = stamp(np.array([when_s], dtype="datetime64[s]"), OC).item()
        group = self.hex.next()
        cents = -round(float(main[HEADER.index("amount")]) * 100)
        fee = -round(float(host[HEADER.index("amount")]) * 100)
        opposite = (main[HEADER.index("oppositeAccountSlug")], main[HEADER.index("oppositeAccountName")])
        for original, kind, amount, type_ in (
            (main, "CONTRIBUTION", cents, "DEBIT"),
            (host, "HOST_FEE", fee, "CREDIT"),
        ):
            reversal = self.row(
                when,
                group,
                f'Refund of "{original[HEADER.index("description")]}"',
                type_,
                kind,
                amount,
                amount,
                opposite if kind == "CONTRIBUTION" else (self.host_slug, self.host_name),
                isRefund="REFUND",
                refundKind="REFUND",
            )
            original[HEADER.index("isRefunded")] = "REFUNDED"
            original[HEADER.index("shortRefundId")] = reversal[HEADER.index("shortId")]

    def expense(self, when: str, payees, handle, name, member: int) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            slug, payee_name, category = payees[int(rng.integers(0, len(payees)))]
        elif roll < 0.8:
            slug, payee_name = NON_LOCAL_PAYEES[int(rng.integers(0, len(NON_LOCAL_PAYEES)))]
            category = "software" if slug in ("zoom-video", "google-workspace", "mailchimp", "aws") else "supplies"
        else:
            slug, payee_name, category = handle[member], name[member], "supplies"
            self.ctx.payees[slug] = True  # reimbursing a member who lives here
        cents = int(rng.lognormal(np.log(9000), 0.9))
        cents = min(cents, max(self.balance - 500, 0))  # collectives spend what they hold
        if cents < 500:
            return
        expense_type = "REIMBURSEMENT" if slug == handle[member] else rng.choice(["INVOICE", "RECEIPT"])
        self.row(
            when,
            self.hex.next(),
            f"{category.title()}: {payee_name}",
            "DEBIT",
            "EXPENSE",
            -cents,
            -cents,
            (slug, payee_name),
            expenseType=str(expense_type),
            expenseTags=EXPENSE_TAGS[category],
            payoutMethodType=str(rng.choice(["BANK_ACCOUNT", "PAYPAL", "OTHER"], p=[0.7, 0.2, 0.1])),
        )
