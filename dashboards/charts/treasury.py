"""Treasury charts and tables: flows, the Sankey of money through the treasuries, budget vs actual, balances, fees."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts.common import (
    INFLOW_COLOUR,
    OKABE_ITO,
    OUTFLOW_COLOUR,
    SERIES_COLOURS,
    add_note,
    day_text,
    month_keys,
    month_start_of,
    monthly_axes,
    months_x,
    phone_friendly,
    with_secondary_axis,
)
from dashboards.formatting import format_money, is_missing, month_label, to_major
from dashboards.i18n import _
from dashboards.labels import category_label


def treasury_flows(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Grouped bars of inflow and outflow per month, in major units of one currency.

    frame: month, currency, inflow_minor, outflow_minor (other currencies are ignored: amounts in
    different currencies are never added together).
    """
    rows = frame[frame["currency"] == currency]
    x = [month_start_of(k) for k in month_keys(rows)]
    fig = go.Figure()
    for column, name, colour in (
        ("inflow_minor", _("Inflow"), INFLOW_COLOUR),
        ("outflow_minor", _("Outflow"), OUTFLOW_COLOUR),
    ):
        fig.add_trace(
            go.Bar(
                x=x,
                y=[to_major(int(v), currency) for v in rows[column]],
                name=name,
                marker_color=colour,
                hovertemplate="%{y:,.2f} " + currency + "<extra>" + name + "</extra>",
            )  # fmt: skip
        )
    phone_friendly(fig, _("Treasury inflow and outflow ({currency})").format(currency=currency))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=currency, rangemode="tozero")
    monthly_axes(fig)
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


SANKEY_COLOURS = {
    "income": OKABE_ITO["sky_blue"],
    "treasury": OKABE_ITO["blue"],
    "local": OKABE_ITO["bluish_green"],
    "not_local": OKABE_ITO["vermillion"],
    "fee": OKABE_ITO["reddish_purple"],
}


SANKEY_TOP = 8  # categories (and treasuries) drawn by name on each side; the rest are one "other" node


def top_n(names: pd.Series, amounts: pd.Series, n: int, other: str) -> pd.Series:
    """Names, with all but the n largest (by their total amount) replaced by `other`."""
    totals = amounts.groupby(names).sum().sort_values(ascending=False, kind="stable")
    kept = set(totals.index[:n]) if len(totals) > n + 1 else set(totals.index)
    return names.where(names.isin(kept), other)


def treasury_sankey(links: pd.DataFrame, currency: str) -> go.Figure:
    """Income categories → treasuries (the groups holding them) → spending categories, local or not, and
    fees, in one currency; links: currency, treasury, flow_class, category, is_local, amount_minor > 0.

    Categories are named in words (`category_label`); beyond the SANKEY_TOP largest on a side they are one
    "Other …" node, so labels stay apart and readable (the table beside the chart names them all)."""
    rows = links[links["currency"] == currency].copy()
    rows["label"] = rows["category"].map(category_label)
    for flow_class, other in (("income", _("Other income")), ("spending", _("Other spending"))):
        side = rows["flow_class"] == flow_class
        rows.loc[side, "label"] = top_n(rows.loc[side, "label"], rows.loc[side, "amount_minor"], SANKEY_TOP, other)
    rows["treasury"] = top_n(rows["treasury"], rows["amount_minor"], SANKEY_TOP, _("Other treasuries"))
    rows = rows.groupby(["treasury", "flow_class", "label", "is_local"], as_index=False, sort=False)[
        "amount_minor"
    ].sum()
    nodes: dict[str, str] = {}  # label -> kind (for its colour)

    def node(label: str, kind: str) -> int:
        nodes.setdefault(label, kind)
        return list(nodes).index(label)

    sources, targets, values, colours = [], [], [], []
    for row in rows.itertuples():
        treasury = node(row.treasury, "treasury")
        if row.flow_class == "income":
            pair, kind = (node(_("In: {category}").format(category=row.label), "income"), treasury), "income"
        elif row.flow_class == "fee":
            pair, kind = (treasury, node(_("Fees"), "fee")), "fee"
        else:
            kind = "local" if row.is_local else "not_local"
            out = _("Out: {category} (local)") if row.is_local else _("Out: {category} (not local)")
            pair = (treasury, node(out.format(category=row.label), kind))
        sources.append(pair[0])
        targets.append(pair[1])
        values.append(to_major(int(row.amount_minor), currency))
        colours.append(_rgba(SANKEY_COLOURS[kind], 0.45))
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.2f",
            valuesuffix=f" {currency}",
            textfont={"size": 12, "color": OKABE_ITO["black"]},
            node={
                "label": list(nodes),
                "color": [SANKEY_COLOURS[k] for k in nodes.values()],
                "pad": 18,
                "thickness": 14,
                "line": {"width": 0},
            },
            link={"source": sources, "target": targets, "value": values, "color": colours},
        )
    )
    title = _("Where the money came from and went ({currency})").format(currency=currency)
    phone_friendly(fig, title, height=max(380, 30 * len(nodes)))
    fig.update_layout(hovermode="closest")
    return fig


def budget_vs_actual(lines: pd.DataFrame, currency: str) -> go.Figure:
    """Each budget line of one currency: allocated and reported spent (horizontal grouped bars);
    lines: group, fund_type, period_start, period_end, currency, allocated_minor, reported_spent_minor."""
    rows = lines[lines["currency"] == currency]
    labels = [
        f"{g} · {f} · {month_label(f'{pd.Timestamp(s):%Y-%m}')}–{month_label(f'{pd.Timestamp(e):%Y-%m}')}"
        for g, f, s, e in zip(rows["group"], rows["fund_type"], rows["period_start"], rows["period_end"], strict=True)
    ]
    fig = go.Figure()
    for column, name, colour in (
        ("allocated_minor", _("Allocated"), OKABE_ITO["sky_blue"]),
        ("reported_spent_minor", _("Reported spent"), OKABE_ITO["blue"]),
    ):
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[to_major(int(v), currency) for v in rows[column]],
                name=name,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{x:,.2f} " + currency + "<extra>" + name + "</extra>",
            )
        )
    title = _("Budget lines: allocated and spent ({currency})").format(currency=currency)
    phone_friendly(fig, title, height=max(300, 44 * len(rows) + 120))
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(rangemode="tozero")
    return fig


BALANCE_LINES = 8  # accounts drawn as lines; the rest are in the reconciliation table below the chart


def balances(frame: pd.DataFrame, currency: str, counted_from_zero: dict[str, object] | None = None) -> go.Figure:
    """Month-end balance of the largest accounts in one currency (one line each, at most BALANCE_LINES);
    frame: month, account (its name in words), currency, balance_minor.

    `counted_from_zero`: account -> the day its books start without an opening balance. Its balance is
    unknown (a running sum from zero would fall to an invented −15k), so it is not drawn: the chart says
    where its books start instead."""
    starts = counted_from_zero or {}
    rows = frame[frame["currency"] == currency]
    unknown = sorted(a for a in rows["account"].unique() if a in starts)
    rows = rows[~rows["account"].isin(unknown)]
    closing = rows.sort_values("month").groupby("account")["balance_minor"].last().abs()
    shown = list(closing.sort_values(ascending=False, kind="stable").index[:BALANCE_LINES])
    fig = go.Figure()
    for index, account in enumerate(sorted(shown)):
        series = rows[rows["account"] == account]
        fig.add_trace(
            go.Scatter(
                x=months_x(series),
                y=[to_major(int(v), currency) for v in series["balance_minor"]],
                name=str(account),
                mode="lines+markers",
                line={"color": SERIES_COLOURS[index % len(SERIES_COLOURS)], "width": 2},
                hovertemplate="%{y:,.2f} " + currency + "<extra>" + str(account) + "</extra>",
            )
        )
    # short lines: a Plotly note does not wrap, and must fit a phone
    lines = [_("{account}, from {day}").format(account=account, day=day_text(starts[account])) for account in unknown]
    if lines:
        note = _("Balance unknown, not drawn<br>(books start without an opening balance):")
        add_note(fig, note + "<br>" + "<br>".join(lines))
    title = _("Balances at month end ({currency})").format(currency=currency)
    if len(closing) > len(shown):
        title = _("Balances, {shown} largest of {total} accounts ({currency})").format(
            shown=len(shown), total=len(closing), currency=currency
        )
    phone_friendly(fig, title)
    fig.update_layout(margin={"t": 48 + 16 * (len(lines) + 2) if lines else 48})
    fig.update_yaxes(title_text=currency)
    monthly_axes(fig)
    return fig


def fees(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Fees paid per month (bars) and fees as a share of income (line, right axis), one currency;
    frame: month, currency, fees_minor, income_minor, fee_share."""
    rows = frame[frame["currency"] == currency]
    fig = with_secondary_axis()
    xs = months_x(rows)
    fig.add_trace(
        go.Bar(
            x=xs,
            y=[to_major(int(v), currency) for v in rows["fees_minor"]],
            name=_("Fees paid"),
            marker_color=OKABE_ITO["reddish_purple"],
            hovertemplate="%{y:,.2f} " + currency + "<extra>" + _("Fees paid") + "</extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[None if is_missing(v) else 100 * float(v) for v in rows["fee_share"]],
            name=_("Share of income"),
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO["black"], "width": 2},
            hovertemplate="%{y:.2f}%<extra>" + _("Fees ÷ income") + "</extra>",
        ),
        secondary_y=True,
    )
    phone_friendly(fig, _("Fees ({currency})").format(currency=currency))
    fig.update_yaxes(title_text=currency, rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text=_("% of income"), rangemode="tozero", secondary_y=True, showgrid=False)
    monthly_axes(fig)
    return fig


def budget_table(lines: pd.DataFrame) -> pd.DataFrame:
    """Budget lines with the group's treasury spending beside its total allocation for the same period."""

    def money(column: str) -> list[str]:
        return [format_money(int(v), c) for v, c in zip(lines[column], lines["currency"], strict=True)]

    return pd.DataFrame(
        {
            _("Group"): lines["group"],
            _("Fund"): lines["fund_type"],
            _("Period"): [
                f"{day_text(s)} – {day_text(e)}"
                for s, e in zip(lines["period_start"], lines["period_end"], strict=True)
            ],
            _("Allocated"): money("allocated_minor"),
            _("Reported spent"): money("reported_spent_minor"),
            _("Remaining"): money("remaining_minor"),
            _("Group allocated (all lines)"): money("group_allocated_minor"),
            _("Spent from the treasuries"): money("treasury_spent_minor"),
        }
    )


def reconciliation_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Our closing balance beside the source's, per account, the difference always shown."""

    def money(value: object, currency: str) -> str:
        return "—" if is_missing(value) else format_money(int(value), currency)

    status = {
        "agrees": _("agrees"),
        "disagrees": _("DISAGREES"),
        "no_statement": _("source states no balance"),
    }
    return pd.DataFrame(
        {
            _("Account"): frame["account"],
            _("Account id"): frame.get("account_id", frame["account"]),
            _("Source"): frame["source"],
            _("Our closing balance"): [
                money(v, c) for v, c in zip(frame["closing_balance_minor"], frame["currency"], strict=True)
            ],
            _("Balance the source states"): [
                money(v, c) for v, c in zip(frame["source_balance_minor"], frame["currency"], strict=True)
            ],
            _("Difference"): [money(v, c) for v, c in zip(frame["difference_minor"], frame["currency"], strict=True)],
            _("Status"): [status.get(s, s) for s in frame["status"]],
            _("Statements checked"): frame["statements"],
            _("First disagreement"): [
                "—" if is_missing(record) else f"{record} ({day_text(day)}: {money(gap, c)})"
                for record, day, gap, c in zip(
                    frame["first_divergence_record"],
                    frame["first_divergence_on"],
                    frame["first_divergence_minor"],
                    frame["currency"],
                    strict=True,
                )
            ],
        }
    )


def counted_from_zero(frame: pd.DataFrame) -> dict[str, object]:
    """account -> starts_on of the reconciliation's accounts whose balances start without an opening balance."""
    return {row.account: row.starts_on for row in frame.itertuples() if _from_zero(row)}


def _from_zero(row: object) -> bool:
    known = row.starts_with_opening_balance
    return not is_missing(known) and not known


def books_start_notes(frame: pd.DataFrame) -> list[str]:
    """One sentence per account whose books start without an opening balance (what it holds is unknown)."""
    notes = []
    for row in frame.itertuples():
        if _from_zero(row):
            notes.append(
                _(
                    "{account} ({currency}): the data start on {day} without an opening balance: what it holds is"
                    " unknown, so the chart does not draw it (its money in and out is in the flows above)."
                ).format(account=row.account, currency=row.currency, day=day_text(row.starts_on))
            )
    return notes
