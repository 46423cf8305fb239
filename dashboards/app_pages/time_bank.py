"""Time bank: planned page; no time-bank dataset is published yet."""

from dashboards import ui

ui.require_release()
ui.planned_page(
    "Time bank",
    "Hours members give each other through the time bank (TimeOverflow and the TogetherOS time bank).",
    [
        "Hours exchanged per month for the chosen group",
        "How many people gave and received time (counts below the privacy threshold are not shown)",
    ],
)
