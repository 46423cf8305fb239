"""Plotly figures for the dashboard: pure functions of query results, no Streamlit calls, one module per
area of the dashboard (`common` holds what they share).

Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies);
every figure puts its legend below the plot and keeps margins small so it reads at phone width.
"""

from dashboards.charts.common import (
    BAND_COLOURS,
    CURRENT_COLOUR,
    DECIDIM_STATE_COLOURS,
    INFLOW_COLOUR,
    OKABE_ITO,
    OUTFLOW_COLOUR,
    PREVIOUS_COLOUR,
    SEQUENTIAL,
    SERIES_COLOURS,
    cells,
    month_start_of,
    period_trend,
    phone_friendly,
)
from dashboards.charts.decisions import (
    days_in_stage,
    decidim_proposals,
    decisions,
    proposal_funnel,
    proposals_by_stage,
    support_points,
)
from dashboards.charts.delivery import (
    GANTT_COLOURS,
    ON_TIME_TARGET_PCT,
    delivery_rates,
    initiative_labels,
    initiative_state,
    initiative_table,
    milestone_gantt,
)
from dashboards.charts.local_value import ROUND_COLOURS, ROUND_NAMES, local_value
from dashboards.charts.participation import (
    active_members_trend,
    cohort_retention,
    first_response,
    inequality,
    member_flow,
    rolling_windows,
)
from dashboards.charts.time_bank import distribution, traders
from dashboards.charts.treasury import (
    SANKEY_COLOURS,
    balances,
    books_start_notes,
    budget_table,
    budget_vs_actual,
    counted_from_zero,
    fees,
    reconciliation_table,
    treasury_flows,
    treasury_sankey,
)

__all__ = [
    "BAND_COLOURS",
    "CURRENT_COLOUR",
    "DECIDIM_STATE_COLOURS",
    "GANTT_COLOURS",
    "INFLOW_COLOUR",
    "OKABE_ITO",
    "ON_TIME_TARGET_PCT",
    "OUTFLOW_COLOUR",
    "PREVIOUS_COLOUR",
    "ROUND_COLOURS",
    "ROUND_NAMES",
    "SANKEY_COLOURS",
    "SEQUENTIAL",
    "SERIES_COLOURS",
    "active_members_trend",
    "balances",
    "books_start_notes",
    "counted_from_zero",
    "budget_table",
    "budget_vs_actual",
    "cells",
    "cohort_retention",
    "days_in_stage",
    "decidim_proposals",
    "decisions",
    "delivery_rates",
    "distribution",
    "fees",
    "reconciliation_table",
    "first_response",
    "inequality",
    "initiative_labels",
    "initiative_state",
    "initiative_table",
    "local_value",
    "member_flow",
    "milestone_gantt",
    "month_start_of",
    "period_trend",
    "phone_friendly",
    "proposal_funnel",
    "proposals_by_stage",
    "rolling_windows",
    "support_points",
    "traders",
    "treasury_flows",
    "treasury_sankey",
]
