"""Treasury: money in and out, where it came from and went, budgets against spending, balances, fees."""

import pandas as pd
import streamlit as st

from dashboards import charts, filters, queries, sections, ui
from dashboards.formatting import format_money
from dashboards.i18n import _, ngettext
from dashboards.labels import account_label

BUDGET_LINES = 10
LONG_TABLE = 10  # rows; a longer table scrolls inside a box of TABLE_HEIGHT instead of lengthening the page
TABLE_HEIGHT = 380

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = ui.require_period(filters.period_filter(release))

names = queries.group_names(release)


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Accounts named in words, with the group holding them (legends never show an internal id; the
    id stays in account_id for the tables an auditor matches against the release)."""
    frame["account_id"] = frame["account"]
    frame["account"] = [
        account_label(a, names.get(g, g)) for a, g in zip(frame["account_id"], frame["group_id"], strict=True)
    ]
    return frame


def table_height(rows: pd.DataFrame) -> int | str:
    return TABLE_HEIGHT if len(rows) > LONG_TABLE else "content"


st.title(_("Treasury"))
ui.scope_caption(release, group, period, "treasury_")

st.header(_("Money in and out"))
sections.treasury_charts(release, group, period)
if release.has_dataset("treasury_monthly"):
    totals = queries.treasury_totals(release, group.group_id, period.start, period.end)
    if not totals.empty:
        totals["net_minor"] = totals["inflow_minor"] - totals["outflow_minor"]
        columns = {_("Inflow"): "inflow_minor", _("Outflow"): "outflow_minor", _("Net"): "net_minor"}
        table = pd.DataFrame({_("Currency"): totals["currency"]})
        for label, column in columns.items():
            table[label] = [format_money(v, c) for v, c in zip(totals[column], totals["currency"], strict=True)]
        st.dataframe(table, hide_index=True)

st.header(_("Where the money came from and went"))
if ui.available(release, "treasury_legs", _("Treasury movements")):
    links = queries.treasury_links(release, group.group_id, period.start, period.end)
    if ui.has_rows(links, _("treasury movement"), group, period):
        for currency in sorted(links["currency"].unique()):
            ui.plot(charts.treasury_sankey(links, currency))
        st.caption(
            _(
                "Income by category into the treasuries of each group, then out to spending by category (local"
                " payees or not) and to fees; beyond the largest, categories and treasuries are one “other”."
                " Transfers between the community's own treasuries are left out."
            )
        )
        ui.definitions(release, ("treasury_flows_by_category", "amount_minor"))

st.header(_("Budgets against spending"))
if ui.available(release, "treasury_budget_vs_actual", _("Budgets")):
    lines = queries.budget_vs_actual(release, group.group_id, period.start, period.end)
    if ui.has_rows(lines, _("budget line"), group, period):
        for currency in sorted(lines["currency"].unique()):
            in_currency = lines[lines["currency"] == currency]
            # the largest lines drawn; a federation has hundreds, all of them in the table below
            largest = in_currency.nlargest(BUDGET_LINES, "allocated_minor", keep="first")
            ui.plot(charts.budget_vs_actual(largest, currency))
            if len(largest) < len(in_currency):
                st.caption(
                    _("The {shown} largest of {total} budget lines; the table below has them all.").format(
                        shown=len(largest), total=len(in_currency)
                    )
                )
        st.dataframe(charts.budget_table(lines), hide_index=True, height=table_height(lines))
        ui.definitions(
            release,
            ("treasury_budget_vs_actual", "remaining_minor"),
            ("treasury_budget_vs_actual", "reported_spent_share"),
            ("treasury_budget_vs_actual", "treasury_spent_minor"),
        )

st.header(_("Balances"))
reconciliation = (
    labelled(queries.treasury_reconciliation(release, group.group_id))
    if release.has_dataset("treasury_reconciliation")
    else None
)
if ui.available(release, "treasury_balances", _("Balances")):
    balances = labelled(queries.treasury_balances(release, group.group_id, period.start, period.end))
    if ui.has_rows(balances, _("treasury account"), group, period):
        from_zero = {} if reconciliation is None else charts.counted_from_zero(reconciliation)
        for currency in sorted(balances["currency"].unique()):
            ui.plot(charts.balances(balances, currency, from_zero))
        ui.definitions(release, ("treasury_balances", "balance_minor"))
if reconciliation is not None:
    for note in charts.books_start_notes(reconciliation):
        st.caption(note)
    if not reconciliation.empty:
        st.markdown("**" + _("Our balances against the sources' own") + "**")
        disagreeing = reconciliation[reconciliation["status"] == "disagrees"]
        if not disagreeing.empty:
            st.warning(
                ngettext(
                    "{count} account where our closing balance differs from the balance the source itself states:"
                    " see the difference and the first statement where they part.",
                    "{count} accounts where our closing balance differs from the balance the source itself states:"
                    " see the difference and the first statement where they part.",
                    len(disagreeing),
                ).format(count=len(disagreeing))
            )
        st.dataframe(charts.reconciliation_table(reconciliation), hide_index=True, height=table_height(reconciliation))
        ui.definitions(
            release,
            ("treasury_reconciliation", "closing_balance_minor"),
            ("treasury_reconciliation", "source_balance_minor"),
            ("treasury_reconciliation", "difference_minor"),
            ("treasury_reconciliation", "disagreeing_statements"),
        )

st.header(_("Fees"))
if ui.available(release, "treasury_fees", _("Fees")):
    fees = queries.group_months(release, "treasury_fees", group.group_id, period.start, period.end)
    if ui.has_rows(fees, _("fee"), group, period):
        for currency in sorted(fees["currency"].unique()):
            ui.plot(charts.fees(fees, currency))
        ui.definitions(release, ("treasury_fees", "fees_minor"), ("treasury_fees", "fee_share"))
