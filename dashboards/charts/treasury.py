"""Treasury charts and tables: flows, the Sankey of money through the treasuries, budget vs actual, balances, fees."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts.common import (
    INFLOW_COLOUR,
    OKABE_ITO,
    OUTFLOW_COLOUR,
    SERIES_COLOURS,
    day_text,
    month_keys,
    month_start_of,
    monthly_axes,
    months_x,
    phone_friendly,
    with_secondary_axis,
)
from dashboards.formatting import format_money, is_missing, to_major


def treasury_flows(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Grouped bars of inflow and outflow per month, in major units of one currency.

    frame: month, currency, inflow_minor, outflow_minor (other currencies are ignored: amounts in
    different currencies are never added together).
    """
    rows = frame[frame["currency"] == currency]
    x = [month_start_of(k) for k in month_keys(rows)]
    fig = go.Figure()
    for column, name, colour in (
        ("inflow_minor", "Inflow", INFLOW_COLOUR),
        ("outflow_minor", "Outflow", OUTFLOW_COLOUR),
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
    phone_friendly(fig, f"Treasury inflow and outflow ({currency})")
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


def treasury_sankey(links: pd.DataFrame, currency: str) -> go.Figure:
    """Income categories → treasuries (the groups holding them) → spending categories, local or not, and
    fees, in one currency; links: currency, treasury, flow_class, category, is_local, amount_minor > 0."""
    rows = links[links["currency"] == currency]
    nodes: dict[str, str] = {}  # label -> kind (for its colour)

    def node(label: str, kind: str) -> int:
        nodes.setdefault(label, kind)
        return list(nodes).index(label)

    sources, targets, values, colours = [], [], [], []
    for row in rows.itertuples():
        treasury = node(row.treasury, "treasury")
        if row.flow_class == "income":
            pair, kind = (node(f"In: {row.category}", "income"), treasury), "income"
        elif row.flow_class == "fee":
            pair, kind = (treasury, node("Fees", "fee")), "fee"
        else:
            kind = "local" if row.is_local else "not_local"
            where = "local" if row.is_local else "not local"
            pair = (treasury, node(f"Out: {row.category} ({where})", kind))
        sources.append(pair[0])
        targets.append(pair[1])
        values.append(to_major(int(row.amount_minor), currency))
        colours.append(_rgba(SANKEY_COLOURS[kind], 0.45))
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.2f",
            valuesuffix=f" {currency}",
            node={
                "label": list(nodes),
                "color": [SANKEY_COLOURS[k] for k in nodes.values()],
                "pad": 12,
                "thickness": 14,
                "line": {"width": 0},
            },
            link={"source": sources, "target": targets, "value": values, "color": colours},
        )
    )
    phone_friendly(fig, f"Where the money came from and went ({currency})", height=max(360, 22 * len(nodes)))
    fig.update_layout(hovermode="closest")
    return fig


def budget_vs_actual(lines: pd.DataFrame, currency: str) -> go.Figure:
    """Each budget line of one currency: allocated and reported spent (horizontal grouped bars);
    lines: group, fund_type, period_start, period_end, currency, allocated_minor, reported_spent_minor."""
    rows = lines[lines["currency"] == currency]
    labels = [
        f"{g} · {f} · {pd.Timestamp(s):%b %Y}–{pd.Timestamp(e):%b %Y}"
        for g, f, s, e in zip(rows["group"], rows["fund_type"], rows["period_start"], rows["period_end"], strict=True)
    ]
    fig = go.Figure()
    for column, name, colour in (
        ("allocated_minor", "Allocated", OKABE_ITO["sky_blue"]),
        ("reported_spent_minor", "Reported spent", OKABE_ITO["blue"]),
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
    phone_friendly(fig, f"Budget lines: allocated and spent ({currency})", height=max(300, 44 * len(rows) + 120))
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(rangemode="tozero")
    return fig


def balances(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Month-end balance of every account in one currency (one line each); frame: month, account,
    currency, balance_minor."""
    rows = frame[frame["currency"] == currency]
    fig = go.Figure()
    for index, (account, series) in enumerate(rows.groupby("account", sort=True)):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        fig.add_trace(
            go.Scatter(
                x=months_x(series),
                y=[to_major(int(v), currency) for v in series["balance_minor"]],
                name=str(account),
                mode="lines+markers",
                line={"color": colour, "width": 2, "dash": "solid" if index < 8 else "dash"},
                hovertemplate="%{y:,.2f} " + currency + "<extra>" + str(account) + "</extra>",
            )
        )
    phone_friendly(fig, f"Balances at month end ({currency})")
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
            name="Fees paid",
            marker_color=OKABE_ITO["reddish_purple"],
            hovertemplate="%{y:,.2f} " + currency + "<extra>Fees paid</extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[None if is_missing(v) else 100 * float(v) for v in rows["fee_share"]],
            name="Share of income",
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO["black"], "width": 2},
            hovertemplate="%{y:.2f}%<extra>Fees ÷ income</extra>",
        ),
        secondary_y=True,
    )
    phone_friendly(fig, f"Fees ({currency})")
    fig.update_yaxes(title_text=currency, rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="% of income", rangemode="tozero", secondary_y=True, showgrid=False)
    monthly_axes(fig)
    return fig


def budget_table(lines: pd.DataFrame) -> pd.DataFrame:
    """Budget lines with the group's treasury spending beside its total allocation for the same period."""

    def money(column: str) -> list[str]:
        return [format_money(int(v), c) for v, c in zip(lines[column], lines["currency"], strict=True)]

    return pd.DataFrame(
        {
            "Group": lines["group"],
            "Fund": lines["fund_type"],
            "Period": [
                f"{day_text(s)} – {day_text(e)}"
                for s, e in zip(lines["period_start"], lines["period_end"], strict=True)
            ],
            "Allocated": money("allocated_minor"),
            "Reported spent": money("reported_spent_minor"),
            "Remaining": money("remaining_minor"),
            "Group allocated (all lines)": money("group_allocated_minor"),
            "Spent from the treasuries": money("treasury_spent_minor"),
        }
    )
