"""Initiatives & milestones: planned page; no initiative dataset is published yet."""

from dashboards import ui

ui.require_release()
ui.planned_page(
    "Initiatives & milestones",
    "How decisions turn into work: the initiatives each group runs and whether their milestones are met.",
    [
        "Initiatives per status (in progress, delivered, verified) for the chosen group",
        "Milestones due, completed on time, and overdue, per month",
        "Days from decision to verified delivery",
    ],
)
