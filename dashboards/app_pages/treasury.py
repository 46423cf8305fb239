"""Treasury: money in and out, where it came from and went, budgets against spending, balances, fees."""

import pandas as pd
import streamlit as st

from dashboards import charts, filters, queries, sections, ui
from dashboards.formatting import format_money

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = ui.require_period(filters.period_filter(release))

st.title("Treasury")
ui.scope_caption(release, group, period)

st.subheader("Money in and out")
sections.treasury_charts(release, group, period)
if release.has_dataset("treasury_monthly"):
    totals = queries.treasury_totals(release, group.group_id, period.start, period.end)
    if not totals.empty:
        totals["net_minor"] = totals["inflow_minor"] - totals["outflow_minor"]
        columns = {"Inflow": "inflow_minor", "Outflow": "outflow_minor", "Net": "net_minor"}
        table = pd.DataFrame({"Currency": totals["currency"]})
        for label, column in columns.items():
            table[label] = [format_money(v, c) for v, c in zip(totals[column], totals["currency"], strict=True)]
        st.dataframe(table, hide_index=True)

st.subheader("Where the money came from and went")
if ui.available(release, "treasury_legs", "Treasury movements"):
    links = queries.treasury_links(release, group.group_id, period.start, period.end)
    if ui.has_rows(links, "treasury movement", group, period):
        for currency in sorted(links["currency"].unique()):
            ui.chart(
                release,
                charts.treasury_sankey(links, currency),
                ("treasury_flows_by_category", "amount_minor"),
                note="Income by category into the treasuries of each group, then out to spending by category"
                " (local payees or not) and to fees. Transfers between the community's own treasuries are"
                " left out.",
            )

st.subheader("Budgets against spending")
if ui.available(release, "treasury_budget_vs_actual", "Budgets"):
    lines = queries.budget_vs_actual(release, group.group_id, period.start, period.end)
    if ui.has_rows(lines, "budget line", group, period):
        for currency in sorted(lines["currency"].unique()):
            ui.chart(
                release,
                charts.budget_vs_actual(lines, currency),
                ("treasury_budget_vs_actual", "remaining_minor"),
                ("treasury_budget_vs_actual", "reported_spent_share"),
            )
        st.dataframe(charts.budget_table(lines), hide_index=True)
        ui.definitions(release, ("treasury_budget_vs_actual", "treasury_spent_minor"))

st.subheader("Balances")
if ui.available(release, "treasury_balances", "Balances"):
    balances = queries.treasury_balances(release, group.group_id, period.start, period.end)
    if ui.has_rows(balances, "treasury account", group, period):
        for currency in sorted(balances["currency"].unique()):
            ui.chart(release, charts.balances(balances, currency), ("treasury_balances", "balance_minor"))

st.subheader("Fees")
if ui.available(release, "treasury_fees", "Fees"):
    fees = queries.group_months(release, "treasury_fees", group.group_id, period.start, period.end)
    if ui.has_rows(fees, "fee", group, period):
        for currency in sorted(fees["currency"].unique()):
            ui.chart(
                release,
                charts.fees(fees, currency),
                ("treasury_fees", "fees_minor"),
                ("treasury_fees", "fee_share"),
            )
