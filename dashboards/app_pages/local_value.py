"""Local value: planned page; no local-spending dataset is published yet."""

from dashboards import ui

ui.require_release()
ui.planned_page(
    "Local value",
    "How much of the money a group spends stays with local suppliers and members.",
    [
        "Share of outflow paid to local payees, per month and currency",
        "Local value retained over the chosen period, next to the previous period",
    ],
)
