"""A small but realistic release on disk, in the layout the release writer produces.

Four-level hierarchy (federation → nation → region → city), twelve months of rolled-up figures, one
suppressed cell (Grenoble, June 2025), one city with no data at all (Annecy), two currencies.
The rows are kept in `FixtureRelease.tables` so tests compute their expectations from them.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import nacl.signing
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import yaml

MIN_COUNT = 5
RELEASE_ID = "2025-07-02T060000Z-3f9c2a1b"
MONTHS = [date(2024 + (6 + m) // 12, (6 + m) % 12 + 1, 1) for m in range(12)]  # Jul 2024 … Jun 2025
SUPPRESSED_CELL = ("city-grenoble", date(2025, 6, 1))

GROUPS = [
    ("fed", "TogetherOS Federation", "global", None),
    ("nat-fr", "France", "national", "fed"),
    ("nat-es", "Spain", "national", "fed"),
    ("reg-ara", "Auvergne-Rhône-Alpes", "regional", "nat-fr"),
    ("reg-cat", "Catalonia", "regional", "nat-es"),
    ("city-lyon", "Lyon", "local", "reg-ara"),
    ("city-grenoble", "Grenoble", "local", "reg-ara"),
    ("city-annecy", "Annecy", "local", "reg-ara"),
    ("city-barcelona", "Barcelona", "local", "reg-cat"),
]
# Groups with their own activity; Annecy has none, so it gives the empty result.
_CITY_PROPOSALS = {
    "city-lyon": {
        "draft": 3,
        "research": 1,
        "deliberation": 2,
        "voting": 1,
        "decided": 4,
        "delivery": 2,
        "reviewed": 1,
    },
    "city-grenoble": {"draft": 2, "decided": 1, "delivery": 1},
    "city-barcelona": {
        "draft": 1,
        "deliberation": 3,
        "voting": 2,
        "decided": 5,
        "delivery": 3,
        "archived": 2,
    },
    "fed": {"deliberation": 1, "decided": 2},
}

_S, _I, _D, _B = pa.string(), pa.int64(), pa.date32(), pa.bool_()
_I32 = pa.int32()


def _dec(precision: int, scale: int) -> pa.DataType:
    return pa.decimal128(precision, scale)


# The datasets of the participation, governance, delivery, treasury, local-value and time-bank areas, with
# the column names and types of their dbt contracts (dbt_project/models/public/_*.yml).
NEW_SCHEMAS: dict[str, dict[str, pa.DataType]] = {
    "file_outcomes": {
        "source": _S,
        "file_name": _S,
        "landing_sha256": _S,
        "outcome": _S,
        "rule": _S,
        "message": _S,
        "rows_accepted": _I,
        "rows_quarantined": _I,
    },
    "participation_windows": {
        "group_id": _S,
        "as_of": _D,
        "window_days": _I32,
        "active_members": _I,
        "is_suppressed": _B,
    },
    "participation_cohorts": {
        "group_id": _S,
        "cohort_month": _D,
        "months_since": _I32,
        "members": _I,
        "is_suppressed": _B,
    },
    "participation_member_flow": {
        "group_id": _S,
        "month": _D,
        "kind": _S,
        "members": _I,
        "is_suppressed": _B,
    },
    "participation_inequality": {
        "group_id": _S,
        "month": _D,
        "active_members": _I,
        "contributions": _I,
        "gini": _dec(4, 3),
        "absence_factor": _I,
        "is_suppressed": _B,
    },
    "participation_first_response": {
        "group_id": _S,
        "month": _D,
        "topics_opened": _I,
        "topics_answered": _I,
        "median_hours_to_first_response": _dec(10, 1),
    },
    "governance_funnel": {
        "group_id": _S,
        "cohort_month": _D,
        "stage": _S,
        "stage_order": _I32,
        "proposals_reached": _I,
        "proposals_moved_on": _I,
        "median_days_in_stage": _dec(10, 1),
    },
    "governance_decisions": {
        "group_id": _S,
        "month": _D,
        "proposals_decided": _I,
        "proposals_approved": _I,
        "proposals_threshold_met": _I,
        "proposals_with_blocks": _I,
        "proposals_with_minority_report": _I,
    },
    "governance_turnout": {
        "group_id": _S,
        "month": _D,
        "voters": _I,
        "active_members": _I,
        "turnout_pct": _dec(5, 1),
        "is_suppressed": _B,
    },
    "governance_decidim_proposals": {
        "group_id": _S,
        "month": _D,
        "state": _S,
        "proposals": _I,
        "supports": _I,
    },
    "governance_support_points": {
        "group_id": _S,
        "month": _D,
        "allocations": _I,
        "points_allocated": _I,
        "allocators": _I,
        "is_suppressed": _B,
    },
    "delivery_rates": {
        "group_id": _S,
        "decision_month": _D,
        "decisions_approved": _I,
        "decisions_delivered": _I,
        "delivered_on_time": _I,
        "delivery_rate_pct": _dec(5, 1),
        "on_time_rate_pct": _dec(5, 1),
        "median_days_to_delivery": _dec(10, 1),
        "initiatives_overdue": _I,
        "initiatives_stalled": _I,
    },
    "delivery_initiatives": {
        "initiative_id": _S,
        "source": _S,
        "group_id": _S,
        "proposal_id": _S,
        "status": _S,
        "decided_on": _D,
        "deadline": _D,
        "delivered_on": _D,
        "milestones_total": _I,
        "milestones_done": _I,
        "next_milestone_due": _D,
        "is_overdue": _B,
        "is_stalled": _B,
        "days_overdue": _I,
        "last_progress_on": _D,
        "days_since_progress": _I,
        "source_url": _S,
    },
    "delivery_milestones": {
        "milestone_id": _S,
        "initiative_id": _S,
        "group_id": _S,
        "target_date": _D,
        "completed_on": _D,
        "is_late": _B,
    },
    "treasury_legs": {
        "flow_id": _S,
        "group_id": _S,
        "account": _S,
        "month": _D,
        "currency": _S,
        "amount_minor": _I,
        "direction": _S,
        "category": _S,
        "counterparty_type": _S,
        "counterparty_is_local": _B,
        "flow_class": _S,
    },
    "treasury_flows_by_category": {
        "group_id": _S,
        "month": _D,
        "currency": _S,
        "direction": _S,
        "category": _S,
        "counterparty_type": _S,
        "amount_minor": _I,
    },
    "treasury_fees": {
        "group_id": _S,
        "month": _D,
        "currency": _S,
        "fees_minor": _I,
        "income_minor": _I,
        "fee_share": _dec(18, 4),
    },
    "treasury_balances": {"group_id": _S, "account": _S, "currency": _S, "month": _D, "balance_minor": _I},
    "treasury_reconciliation": {
        "group_id": _S,
        "account": _S,
        "currency": _S,
        "source": _S,
        "starts_on": _D,
        "starts_with_opening_balance": _B,
        "closing_balance_minor": _I,
        "source_balance_minor": _I,
        "difference_minor": _I,
        "statements": _I,
        "disagreeing_statements": _I,
        "last_statement_on": _D,
        "first_divergence_on": _D,
        "first_divergence_record": _S,
        "first_divergence_minor": _I,
        "status": _S,
    },
    "treasury_budget_vs_actual": {
        "budget_id": _S,
        "group_id": _S,
        "scope": _S,
        "fund_type": _S,
        "currency": _S,
        "period_start": _D,
        "period_end": _D,
        "allocated_minor": _I,
        "reported_spent_minor": _I,
        "remaining_minor": _I,
        "reported_spent_share": _dec(18, 4),
        "group_allocated_minor": _I,
        "treasury_spent_minor": _I,
        "treasury_spent_share": _dec(18, 4),
    },
    "local_value": {
        "group_id": _S,
        "month": _D,
        "currency": _S,
        "r1_minor": _I,
        "r2_minor": _I,
        "r3_minor": _I,
        "lm3_ratio": _dec(18, 4),
        "hours_value_minor": _I,
    },
    "timebank_hours_monthly": {
        "group_id": _S,
        "month": _D,
        "exchange_kind": _S,
        "exchanges": _I,
        "seconds_exchanged": _I,
        "hours_exchanged": _dec(18, 2),
    },
    "timebank_traders_monthly": {
        "group_id": _S,
        "month": _D,
        "trader_status": _S,
        "traders": _I,
        "is_suppressed": _B,
    },
    "timebank_fair_exchange": {
        "group_id": _S,
        "window_start": _D,
        "window_end": _D,
        "band": _S,
        "members": _I,
        "is_suppressed": _B,
    },
    "timebank_balance_distribution": {
        "group_id": _S,
        "balance_bucket": _S,
        "members": _I,
        "is_suppressed": _B,
    },
}
# Every public dataset with a group id carries the group's name and level beside it (the dbt macro
# select_with_group_names); the writer below fills them from `groups`.
for _fields in NEW_SCHEMAS.values():
    if "group_id" in _fields:
        _fields.update({"group_name": _S, "group_level": _S})
SCHEMAS = {
    "groups": pa.schema({"group_id": _S, "name": _S, "level": _S, "parent_id": _S}),
    "participation_monthly": pa.schema({"group_id": _S, "month": _D, "active_members": _I, "is_suppressed": _B}),
    "proposals_by_stage": pa.schema({"group_id": _S, "stage": _S, "proposals": _I}),
    "treasury_monthly": pa.schema(
        {"group_id": _S, "month": _D, "currency": _S, "inflow_minor": _I, "outflow_minor": _I}
    ),
    "load_audit": pa.schema(
        {
            "source": _S,
            "entity": _S,
            "files": _I,
            "rows_read": _I,
            "rows_accepted": _I,
            "rows_quarantined": _I,
        }
    ),
    "quarantine_reasons": pa.schema({"source": _S, "entity": _S, "rule": _S, "records": _I}),
    **{name: pa.schema(fields) for name, fields in NEW_SCHEMAS.items()},
    # only the decision history's columns the dashboard reads (the decision page's link to the proposal)
    "governance_decision_history": pa.schema({"proposal_id": _S, "source": _S, "group_id": _S, "source_url": _S}),
}

METRICS = [
    {
        "name": "active_members",
        "label": "Active members",
        "resource": "participation_monthly",
        "field": "active_members",
        "unit": "people",
        "grain": "group × month",
        "definition": "Distinct people who posted, voted, proposed or exchanged time in the group or any "
        "group below it during the month.",
        "formula": "count(distinct actor_id) over the group's subtree and month",
        "caveats": ["Counts below 5 are suppressed."],
    },
    {
        "name": "proposals",
        "label": "Proposals",
        "resource": "proposals_by_stage",
        "field": "proposals",
        "unit": "proposals",
        "grain": "group × stage",
        "definition": "Proposals of the group or any group below it, by their current lifecycle stage.",
        "formula": "count(proposal_id) by current stage",
        "caveats": "Deleted proposals are not counted.",
    },
    {
        "name": "treasury_inflow",
        "label": "Treasury inflow",
        "resource": "treasury_monthly",
        "field": "inflow_minor",
        "unit": "minor currency units",
        "grain": "group × month × currency",
        "definition": "Money received into the group's accounts during the month.",
        "formula": "sum(amount_minor) where amount_minor > 0",
        "caveats": "",
    },
    {
        "name": "treasury_outflow",
        "label": "Treasury outflow",
        "resource": "treasury_monthly",
        "field": "outflow_minor",
        "unit": "minor currency units",
        "grain": "group × month × currency",
        "definition": "Money paid out of the group's accounts during the month.",
        "formula": "sum(-amount_minor) where amount_minor < 0",
        "caveats": "",
    },
]


PUBLIC_MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "public"


@functools.cache
def public_contracts() -> dict[str, list[dict[str, Any]]]:
    """Every public dbt model's columns as its YAML declares them (name, data_type, meta)."""
    models: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(PUBLIC_MODELS.glob("_*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            models[model["name"]] = model.get("columns", [])
    return models


def contract_metrics() -> list[dict[str, Any]]:
    """The metric definitions of the new datasets, as the release writer ships them: from the YAML."""
    contracts = public_contracts()
    return [
        column["meta"]["metric"] | {"resource": name, "field": column["name"]}
        for name in NEW_SCHEMAS
        for column in contracts.get(name, [])
        if "metric" in (column.get("meta") or {})
    ]


@dataclass(frozen=True)
class FixtureRelease:
    releases_dir: Path
    release_dir: Path
    release_id: str
    tables: dict[str, list[dict[str, Any]]]
    min_count: int = MIN_COUNT

    def group(self, group_id: str) -> dict[str, Any]:
        return next(g for g in self.tables["groups"] if g["group_id"] == group_id)


def _subtree(group_id: str) -> list[str]:
    below = [g[0] for g in GROUPS if g[3] == group_id]
    return [group_id, *[member for child in below for member in _subtree(child)]]


def _true_active(group_id: str, index: int) -> int:
    """Distinct active people before suppression; overlap makes parents less than the sum of children."""
    own = {
        "city-lyon": 20 + index,
        "city-grenoble": 6 + index % 3,
        "city-barcelona": 12 + 2 * index,
        "nat-fr": 3,
        "nat-es": 1,
        "fed": 2,
    }.get(group_id, 0)
    if group_id == "city-grenoble" and MONTHS[index] == SUPPRESSED_CELL[1]:
        own = 4
    children = [g[0] for g in GROUPS if g[3] == group_id]
    total = own + sum(_true_active(child, index) for child in children)
    return total - (1 if len(children) > 1 else 0)


def build_tables(extra_initiatives: int = 0) -> dict[str, list[dict[str, Any]]]:
    groups = [dict(zip(("group_id", "name", "level", "parent_id"), g, strict=True)) for g in GROUPS]
    participation = []
    treasury = []
    proposals = []
    for group_id, *_ in GROUPS:
        subtree = _subtree(group_id)
        for index, month in enumerate(MONTHS):
            count = _true_active(group_id, index)
            if count == 0:
                continue
            suppressed = count < MIN_COUNT
            active = None if suppressed else count
            participation.append(
                {"group_id": group_id, "month": month, "active_members": active, "is_suppressed": suppressed}
            )
            for currency in ("EUR", "USD"):
                flows = [_flows(member, currency, index) for member in subtree]
                inflow, outflow = sum(f[0] for f in flows), sum(f[1] for f in flows)
                if inflow or outflow:
                    treasury.append(
                        {
                            "group_id": group_id,
                            "month": month,
                            "currency": currency,
                            "inflow_minor": inflow,
                            "outflow_minor": outflow,
                        }
                    )
        stages: dict[str, int] = {}
        for member in subtree:
            for stage, n in _CITY_PROPOSALS.get(member, {}).items():
                stages[stage] = stages.get(stage, 0) + n
        proposals += [{"group_id": group_id, "stage": s, "proposals": n} for s, n in sorted(stages.items())]
    return {
        "groups": groups,
        "participation_monthly": participation,
        "proposals_by_stage": proposals,
        "treasury_monthly": treasury,
        "load_audit": [
            {
                "source": "togetheros",
                "entity": "groups",
                "files": 1,
                "rows_read": 9,
                "rows_accepted": 9,
                "rows_quarantined": 0,
            },
            {
                "source": "togetheros",
                "entity": "proposals",
                "files": 1,
                "rows_read": 120,
                "rows_accepted": 118,
                "rows_quarantined": 2,
            },
            {
                "source": "opencollective",
                "entity": "transactions",
                "files": 2,
                "rows_read": 300,
                "rows_accepted": 297,
                "rows_quarantined": 3,
            },
            {
                "source": "decidim",
                "entity": "proposals",
                "files": 1,
                "rows_read": 50,
                "rows_accepted": 50,
                "rows_quarantined": 0,
            },
        ],
        **_new_tables(extra_initiatives),
        "quarantine_reasons": [
            {
                "source": "opencollective",
                "entity": "transactions",
                "rule": "currency_is_iso_4217",
                "records": 2,
            },
            {"source": "opencollective", "entity": "transactions", "rule": "amount_is_integer", "records": 1},
            {"source": "togetheros", "entity": "proposals", "rule": "created_at_not_null", "records": 2},
        ],
    }


AS_OF = date(2025, 6, 30)
STAGES = ("draft", "research", "deliberation", "voting", "decided", "delivery", "reviewed")
# Own (not rolled-up) activity of the groups that have some; Annecy has none anywhere (the empty result).
_OWN_NEW = {"city-lyon": 8, "city-grenoble": 3, "city-barcelona": 6}
_OWN_TOPICS = {"city-lyon": 6, "city-grenoble": 2, "city-barcelona": 4}
_OWN_ALLOCATORS = {"city-lyon": 6, "city-grenoble": 2, "city-barcelona": 5}
_OWN_TRADERS = {"city-lyon": 9, "city-grenoble": 3, "city-barcelona": 6}
_OWN_HOURS = {"city-lyon": 30, "city-grenoble": 4, "city-barcelona": 20}
_OWN_BANDS = {
    "city-lyon": {"excellent": 2, "good": 6, "balanced": 5, "warning": 3, "critical": 1},
    "city-barcelona": {"good": 4, "balanced": 2, "critical": 3, "provided_only": 1},
}
_OWN_BUCKETS = {
    "city-lyon": {"owes_2h_to_10h": 4, "within_2h": 9, "owed_2h_to_10h": 3, "owed_over_10h": 1},
    "city-barcelona": {"owes_over_10h": 1, "within_2h": 7, "owed_2h_to_10h": 2},
}
# Decidim runs in Catalonia only.
_DECIDIM = {"accepted": (2, 31), "rejected": (1, 4), "evaluating": (1, None), "not_answered": (2, 9)}
TREASURIES = {
    "city-lyon": "togetheros-lyon",
    "city-grenoble": "grenoble:assets:checking",
    "city-barcelona": "togetheros-barcelona",
    "nat-fr": "togetheros-france",
    "fed": "togetheros-fed",
}
HOUR_VALUE_MINOR = {"EUR": 1500}  # the stated hourly rate, per currency


def _decimal(value: float, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _rolled(group_id: str, own: dict[str, int], index: int = 0, step: int = 0) -> int:
    """Sum of the own values of the group and every group below it (index/step add a monthly drift)."""
    return sum(own[m] + (index % 3) * step for m in _subtree(group_id) if m in own)


def _count_cell(value: int) -> tuple[int | None, bool]:
    return (None, True) if value < MIN_COUNT else (value, False)


def _people_tables() -> dict[str, list[dict[str, Any]]]:
    windows, cohorts, flow, inequality, forum = [], [], [], [], []
    for group_id, *_ in GROUPS:
        for index, month in enumerate(MONTHS):
            active = _true_active(group_id, index)
            if active == 0:
                continue
            month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            for days, share in ((7, 0.55), (30, 1.0)):
                count, hidden = _count_cell(round(active * share))
                windows.append(
                    {
                        "group_id": group_id,
                        "as_of": month_end,
                        "window_days": days,
                        "active_members": count,
                        "is_suppressed": hidden,
                    }
                )
            new = min(_rolled(group_id, _OWN_NEW, index, 1), active)
            hidden = new < MIN_COUNT or active - new < MIN_COUNT or active < MIN_COUNT
            for kind, members in (("new", new), ("returning", active - new)):
                flow.append(
                    {
                        "group_id": group_id,
                        "month": month,
                        "kind": kind,
                        "members": None if hidden else members,
                        "is_suppressed": hidden,
                    }
                )
            for since in range(min(6, len(MONTHS) - index)):
                count, hidden = _count_cell(int(new * 0.7**since))
                cohorts.append(
                    {
                        "group_id": group_id,
                        "cohort_month": month,
                        "months_since": since,
                        "members": count,
                        "is_suppressed": hidden,
                    }
                )
            small = active < MIN_COUNT
            inequality.append(
                {
                    "group_id": group_id,
                    "month": month,
                    "active_members": None if small else active,
                    "contributions": 3 * active + index,
                    "gini": None if small else _decimal(0.30 + 0.02 * index, 3),
                    "absence_factor": None if small else max(1, active // 4),
                    "is_suppressed": small,
                }
            )
            opened = _rolled(group_id, _OWN_TOPICS, index, 1)
            if opened:
                answered = opened - (1 if index % 4 == 0 else 0)
                median = _decimal(10.5 + 1.5 * index, 1) if answered else None
                forum.append(
                    {
                        "group_id": group_id,
                        "month": month,
                        "topics_opened": opened,
                        "topics_answered": answered,
                        "median_hours_to_first_response": median,
                    }
                )
    return {
        "participation_windows": windows,
        "participation_cohorts": cohorts,
        "participation_member_flow": flow,
        "participation_inequality": inequality,
        "participation_first_response": forum,
    }


def _governance_tables() -> dict[str, list[dict[str, Any]]]:
    funnel, decisions, turnout, decidim, points, rates = [], [], [], [], [], []
    own_created = {"city-lyon": 4, "city-grenoble": 2, "city-barcelona": 3}
    own_decided = {"city-lyon": 2, "city-grenoble": 1, "city-barcelona": 2}
    for group_id, *_ in GROUPS:
        for index, month in enumerate(MONTHS):
            created = _rolled(group_id, own_created) if index % 2 == 0 else 0
            for order, stage in enumerate(STAGES, start=1):
                reached = int(created * 0.8 ** (order - 1))
                if reached:
                    moved = reached - 1 if order > 2 else reached
                    days = _decimal(2.5 + 3 * order + 0.5 * index, 1) if moved else None
                    funnel.append(
                        {
                            "group_id": group_id,
                            "cohort_month": month,
                            "stage": stage,
                            "stage_order": order,
                            "proposals_reached": reached,
                            "proposals_moved_on": moved,
                            "median_days_in_stage": days,
                        }
                    )
            decided = _rolled(group_id, own_decided, index, 1)
            if decided:
                approved = decided - (1 if index % 4 == 0 else 0)
                blocks = decided - approved if index % 8 == 0 else 0
                decisions.append(
                    {
                        "group_id": group_id,
                        "month": month,
                        "proposals_decided": decided,
                        "proposals_approved": approved,
                        "proposals_threshold_met": approved,
                        "proposals_with_blocks": blocks,
                        "proposals_with_minority_report": 1 if index % 6 == 0 else 0,
                    }
                )
                delivered = approved if index < 8 else approved // 2
                on_time = delivered - (1 if index % 3 == 0 and delivered else 0)
                rates.append(
                    {
                        "group_id": group_id,
                        "decision_month": month,
                        "decisions_approved": approved,
                        "decisions_delivered": delivered,
                        "delivered_on_time": on_time,
                        "delivery_rate_pct": _decimal(100 * delivered / approved, 1) if approved else _decimal(0, 1),
                        "on_time_rate_pct": _decimal(100 * on_time / delivered, 1) if delivered else None,
                        "median_days_to_delivery": _decimal(12.0 + index, 1) if delivered else None,
                        "initiatives_overdue": 1 if index == 9 and "city-lyon" in _subtree(group_id) else 0,
                        "initiatives_stalled": 1 if index == 10 and "city-lyon" in _subtree(group_id) else 0,
                    }
                )
            active = _true_active(group_id, index)
            if active:
                voters = round(active * 0.4)
                hidden = voters < MIN_COUNT or active < MIN_COUNT
                turnout.append(
                    {
                        "group_id": group_id,
                        "month": month,
                        "voters": None if hidden else voters,
                        "active_members": None if hidden else active,
                        "turnout_pct": None if hidden else _decimal(100 * voters / active, 1),
                        "is_suppressed": hidden,
                    }
                )
            allocators = _rolled(group_id, _OWN_ALLOCATORS, index, 1)
            if allocators:
                hidden = allocators < MIN_COUNT
                points.append(
                    {
                        "group_id": group_id,
                        "month": month,
                        "allocations": None if hidden else 2 * allocators,
                        "points_allocated": None if hidden else 7 * allocators,
                        "allocators": None if hidden else allocators,
                        "is_suppressed": hidden,
                    }
                )
            if "city-barcelona" in _subtree(group_id) and index % 2 == 1:
                for state, (proposals, supports) in _DECIDIM.items():
                    decidim.append(
                        {
                            "group_id": group_id,
                            "month": month,
                            "state": state,
                            "proposals": proposals,
                            "supports": None if supports is None else supports + index,
                        }
                    )
    return {
        "governance_funnel": funnel,
        "governance_decisions": decisions,
        "governance_turnout": turnout,
        "governance_decidim_proposals": decidim,
        "governance_support_points": points,
        "delivery_rates": rates,
    }


# Initiatives (not rolled up): overdue, stalled, both, delivered on time and late, a Decidim result.
_INITIATIVES = [
    # id, source, group, status, decided, deadline, delivered, milestones (target, completed)
    (
        "ini-lyon-garden",
        "togetheros",
        "city-lyon",
        "in_progress",
        date(2025, 1, 10),
        date(2025, 5, 31),
        None,
        [
            (date(2025, 2, 15), date(2025, 2, 10)),
            (date(2025, 4, 1), date(2025, 4, 20)),
            (date(2025, 5, 20), None),
        ],
    ),
    (
        "ini-lyon-repair",
        "togetheros",
        "city-lyon",
        "planned",
        date(2025, 2, 3),
        date(2025, 9, 30),
        None,
        [(date(2025, 3, 1), None), (date(2025, 8, 1), None)],
    ),
    (
        "ini-lyon-kitchen",
        "togetheros",
        "city-lyon",
        "verified",
        date(2024, 10, 2),
        date(2025, 1, 31),
        date(2025, 1, 20),
        [(date(2024, 11, 15), date(2024, 11, 12)), (date(2025, 1, 15), date(2025, 1, 18))],
    ),
    (
        "ini-lyon-library",
        "togetheros",
        "city-lyon",
        "in_progress",
        date(2025, 4, 2),
        date(2025, 8, 31),
        None,
        [(date(2025, 6, 15), date(2025, 6, 12)), (date(2025, 7, 31), None)],
    ),
    (
        "ini-gre-bikes",
        "togetheros",
        "city-grenoble",
        "in_progress",
        date(2024, 12, 5),
        date(2025, 3, 31),
        None,
        [(date(2025, 1, 31), date(2025, 1, 25)), (date(2025, 3, 15), None)],
    ),
    (
        "ini-gre-fair",
        "togetheros",
        "city-grenoble",
        "delivered",
        date(2024, 9, 1),
        date(2024, 11, 30),
        date(2024, 12, 14),
        [],
    ),
    (
        "decidim-result-77",
        "decidim",
        "city-barcelona",
        "executed",
        date(2024, 11, 20),
        date(2025, 2, 28),
        date(2025, 2, 10),
        [(date(2025, 1, 15), date(2025, 1, 14))],
    ),
    (
        "decidim-result-81",
        "decidim",
        "city-barcelona",
        "in_progress",
        date(2025, 3, 12),
        date(2025, 12, 31),
        None,
        [(date(2025, 7, 1), None)],
    ),
]
STALLED_AFTER_DAYS = 60
TOGETHEROS_URL = "https://togetheros.example.org"  # the instance address the fixture release was built with


def source_url(ident: str) -> str:
    """The link the release carries: TOGETHEROS_URL + /initiatives/<id>, or the page Decidim's export names."""
    if ident.startswith("decidim-result-"):
        return f"https://decidim.example.org/processes/barcelona/f/12/results/{ident.rsplit('-', 1)[1]}"
    return f"{TOGETHEROS_URL}/initiatives/{ident}"


def proposal_url(proposal_id: str, source: str) -> str | None:
    """TOGETHEROS_URL + /proposals/<id>, or the page Decidim's proposals export names (result 81's decision
    comes from an export without it)."""
    if source == "togetheros":
        return f"{TOGETHEROS_URL}/proposals/{proposal_id}"
    if proposal_id.endswith("-81"):
        return None
    return f"https://decidim.example.org/processes/barcelona/f/12/proposals/{proposal_id.rsplit('-', 1)[1]}"


def many_initiatives(count: int) -> list[tuple]:
    """`count` more initiatives of Lyon, each overdue by a different number of days (for paging)."""
    return [
        (f"ini-lyon-extra-{n:03d}", "togetheros", "city-lyon", "in_progress", date(2024, 9, 1),
         AS_OF - timedelta(days=n + 1), None, [(date(2024, 10, 1), date(2024, 10, 1) + timedelta(days=n))])
        for n in range(count)
    ]  # fmt: skip


def _delivery_tables(extra_initiatives: int = 0) -> dict[str, list[dict[str, Any]]]:
    initiatives, milestones = [], []
    for ident, source, group_id, status, decided, deadline, delivered, planned in _INITIATIVES + many_initiatives(
        extra_initiatives
    ):
        done = [c for _, c in planned if c]
        open_targets = [t for t, c in planned if c is None]
        last_move = max([decided, *done])
        overdue = delivered is None and deadline < AS_OF
        initiatives.append(
            {
                "initiative_id": ident,
                "source": source,
                "group_id": group_id,
                "proposal_id": f"prop-{ident}",
                "status": status,
                "decided_on": decided,
                "deadline": deadline,
                "delivered_on": delivered,
                "milestones_total": len(planned),
                "milestones_done": len(done),
                "next_milestone_due": min(open_targets) if open_targets else None,
                "is_overdue": overdue,
                "is_stalled": delivered is None and (AS_OF - last_move) >= timedelta(days=STALLED_AFTER_DAYS),
                "days_overdue": (AS_OF - deadline).days if overdue else None,
                "last_progress_on": max(delivered or last_move, last_move),
                "days_since_progress": None if delivered else (AS_OF - last_move).days,
                "source_url": source_url(ident),
            }
        )
        for number, (target, completed) in enumerate(planned, start=1):
            late = (completed > target) if completed else target < AS_OF
            milestones.append(
                {
                    "milestone_id": f"{ident}-m{number}",
                    "initiative_id": ident,
                    "group_id": group_id,
                    "target_date": target,
                    "completed_on": completed,
                    "is_late": late,
                }
            )
    decisions = {
        row["proposal_id"]: {
            "proposal_id": row["proposal_id"],
            "source": row["source"],
            "group_id": row["group_id"],
            "source_url": proposal_url(row["proposal_id"], row["source"]),
        }
        for row in initiatives
    }
    return {
        "delivery_initiatives": initiatives,
        "delivery_milestones": milestones,
        "governance_decision_history": list(decisions.values()),
    }


def _legs() -> list[dict[str, Any]]:
    """Each treasury's own legs, consistent with treasury_monthly: one contribution in; rent (local),
    software (not local) and a host fee out."""
    legs = []
    for group_id, account in TREASURIES.items():
        for index, month in enumerate(MONTHS):
            for currency in ("EUR", "USD"):
                inflow, outflow = _flows(group_id, currency, index)
                if not (inflow or outflow):
                    continue
                fee = outflow // 10
                rent = (outflow - fee) // 2
                software = outflow - fee - rent
                for n, (amount, category, party, local, flow_class) in enumerate(
                    (
                        (inflow, "contribution", "individual", False, "income"),
                        (-rent, "expenses:rent", "organization", True, "spending"),
                        (-software, "expenses:software", "organization", False, "spending"),
                        (-fee, "host_fee", "fees", False, "fee"),
                    )
                ):
                    legs.append(
                        {
                            "flow_id": f"oc:{account}:{month:%Y%m}:{currency}:{n}",
                            "group_id": group_id,
                            "account": account,
                            "month": month,
                            "currency": currency,
                            "amount_minor": amount,
                            "direction": "in" if amount >= 0 else "out",
                            "category": category,
                            "counterparty_type": party,
                            "counterparty_is_local": local,
                            "flow_class": flow_class,
                        }
                    )
    return legs


def _treasury_tables() -> dict[str, list[dict[str, Any]]]:
    legs = _legs()
    by_category, fees, local_value, balances, budgets = {}, [], [], [], []
    for group_id, *_ in GROUPS:
        members = set(_subtree(group_id))
        for month in MONTHS:
            for currency in ("EUR", "USD"):
                mine = [
                    leg
                    for leg in legs
                    if leg["group_id"] in members and leg["month"] == month and leg["currency"] == currency
                ]
                if not mine:
                    continue
                for leg in mine:
                    key = (
                        group_id,
                        month,
                        currency,
                        leg["direction"],
                        leg["category"],
                        leg["counterparty_type"],
                    )
                    by_category[key] = by_category.get(key, 0) + abs(leg["amount_minor"])
                income = sum(leg["amount_minor"] for leg in mine if leg["flow_class"] == "income")
                fee = -sum(leg["amount_minor"] for leg in mine if leg["flow_class"] == "fee")
                fees.append(
                    {
                        "group_id": group_id,
                        "month": month,
                        "currency": currency,
                        "fees_minor": fee,
                        "income_minor": income,
                        "fee_share": _decimal(fee / income, 4) if income > 0 else None,
                    }
                )
                r2 = -sum(
                    leg["amount_minor"]
                    for leg in mine
                    if leg["flow_class"] == "spending" and leg["counterparty_is_local"]
                )
                r3 = int(_decimal(r2 * 0.25, 0))
                hours = sum(r["seconds_exchanged"] for r in _hours_rows(group_id, month))
                local_value.append(
                    {
                        "group_id": group_id,
                        "month": month,
                        "currency": currency,
                        "r1_minor": income,
                        "r2_minor": r2,
                        "r3_minor": r3,
                        "lm3_ratio": _decimal((income + r2 + r3) / income, 4) if income > 0 else None,
                        "hours_value_minor": round(hours * HOUR_VALUE_MINOR.get(currency, 0) / 3600),
                    }
                )
    for group_id, account in TREASURIES.items():
        running: dict[str, int] = {}
        for month in MONTHS:
            for currency in ("EUR", "USD"):
                mine = [
                    leg["amount_minor"]
                    for leg in legs
                    if leg["account"] == account and leg["month"] == month and leg["currency"] == currency
                ]
                if mine or currency in running:
                    running[currency] = running.get(currency, 0) + sum(mine)
                    balances.append(
                        {
                            "group_id": group_id,
                            "account": account,
                            "currency": currency,
                            "month": month,
                            "balance_minor": running[currency],
                        }
                    )
    lines = [
        (
            "bud-fed-infra-h2",
            "fed",
            "global",
            "infra",
            "USD",
            date(2024, 7, 1),
            date(2024, 12, 31),
            900_000,
            610_000,
        ),
        (
            "bud-fed-legal-h2",
            "fed",
            "global",
            "legal",
            "USD",
            date(2024, 7, 1),
            date(2024, 12, 31),
            300_000,
            320_000,
        ),
        (
            "bud-fed-infra-h1",
            "fed",
            "global",
            "infra",
            "USD",
            date(2025, 1, 1),
            date(2025, 6, 30),
            950_000,
            400_000,
        ),
        (
            "bud-lyon-local-h1",
            "city-lyon",
            "city",
            "local",
            "EUR",
            date(2025, 1, 1),
            date(2025, 6, 30),
            400_000,
            250_000,
        ),
        (
            "bud-lyon-event-h1",
            "city-lyon",
            "city",
            "event",
            "EUR",
            date(2025, 1, 1),
            date(2025, 6, 30),
            80_000,
            0,
        ),
    ]
    for ident, group_id, scope, fund, currency, start, end, allocated, spent in lines:
        group_allocated = sum(line[7] for line in lines if (line[1], line[4], line[5]) == (group_id, currency, start))
        treasury_spent = -sum(
            leg["amount_minor"]
            for leg in legs
            if leg["group_id"] in _subtree(group_id)
            and leg["flow_class"] == "spending"
            and leg["currency"] == currency
            and start <= leg["month"] <= end
        )
        budgets.append(
            {
                "budget_id": ident,
                "group_id": group_id,
                "scope": scope,
                "fund_type": fund,
                "currency": currency,
                "period_start": start,
                "period_end": end,
                "allocated_minor": allocated,
                "reported_spent_minor": spent,
                "remaining_minor": allocated - spent,
                "reported_spent_share": _decimal(spent / allocated, 4),
                "group_allocated_minor": group_allocated,
                "treasury_spent_minor": treasury_spent,
                "treasury_spent_share": _decimal(treasury_spent / group_allocated, 4),
            }
        )
    flows = [
        dict(
            zip(
                ("group_id", "month", "currency", "direction", "category", "counterparty_type"),
                key,
                strict=True,
            )
        )
        | {"amount_minor": amount}
        for key, amount in sorted(by_category.items())
    ]
    return {
        "treasury_legs": legs,
        "treasury_flows_by_category": flows,
        "treasury_fees": fees,
        "treasury_balances": balances,
        "treasury_reconciliation": _reconciliation(balances),
        "treasury_budget_vs_actual": budgets,
        "local_value": local_value,
    }


# what each fixture treasury's source states about its balance: the Grenoble books state 5.00 EUR more
# than we count (first at their 2025 opening), Lyon's export agrees, the federation's states nothing
STATED_GAPS = {"grenoble:assets:checking": 500, "togetheros-lyon": 0, "togetheros-barcelona": 0, "togetheros-france": 0}


def _reconciliation(balances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for (group_id, account, currency), series in _by_account(balances).items():
        closing = series[-1]["balance_minor"]
        gap = STATED_GAPS.get(account)
        books = ":" in account
        rows.append(
            {
                "group_id": group_id,
                "account": account,
                "currency": currency,
                "source": "ledger" if books else "opencollective",
                "starts_on": series[0]["month"],
                "starts_with_opening_balance": not books,
                "closing_balance_minor": closing,
                "source_balance_minor": None if gap is None else closing + gap,
                "difference_minor": None if gap is None else -gap,
                "statements": 0 if gap is None else (1 if books else len(series)),
                "disagreeing_statements": 1 if gap else 0,
                "last_statement_on": None if gap is None else series[-1]["month"],
                "first_divergence_on": date(2025, 1, 1) if gap else None,
                "first_divergence_record": "ledger:grenoble.journal:1" if gap else None,
                "first_divergence_minor": -gap if gap else None,
                "status": "no_statement" if gap is None else "disagrees" if gap else "agrees",
            }
        )
    return rows


def _by_account(balances: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    accounts: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in sorted(balances, key=lambda r: (r["group_id"], r["account"], r["currency"], r["month"])):
        accounts.setdefault((row["group_id"], row["account"], row["currency"]), []).append(row)
    return accounts


def _hours_rows(group_id: str, month: date) -> list[dict[str, Any]]:
    index = MONTHS.index(month)
    rows = []
    member_hours = _rolled(group_id, _OWN_HOURS, index, 2)
    if member_hours:
        seconds = member_hours * 3600 + 1800 * (index % 2)
        rows.append(
            {
                "group_id": group_id,
                "month": month,
                "exchange_kind": "member_to_member",
                "exchanges": member_hours // 2,
                "seconds_exchanged": seconds,
                "hours_exchanged": _decimal(seconds / 3600, 2),
            }
        )
    if "city-lyon" in _subtree(group_id):
        rows.append(
            {
                "group_id": group_id,
                "month": month,
                "exchange_kind": "organization",
                "exchanges": 2,
                "seconds_exchanged": 3 * 3600,
                "hours_exchanged": _decimal(3, 2),
            }
        )
    return rows


def _timebank_tables() -> dict[str, list[dict[str, Any]]]:
    hours, traders, bands, buckets = [], [], [], []
    for group_id, *_ in GROUPS:
        for index, month in enumerate(MONTHS):
            hours += _hours_rows(group_id, month)
            active = _rolled(group_id, _OWN_TRADERS, index, 1)
            if active:
                for status, count in (("active", active), ("new", max(1, active // 3))):
                    value, hidden = _count_cell(count)
                    traders.append(
                        {
                            "group_id": group_id,
                            "month": month,
                            "trader_status": status,
                            "traders": value,
                            "is_suppressed": hidden,
                        }
                    )
        for own, rows, column in ((_OWN_BANDS, bands, "band"), (_OWN_BUCKETS, buckets, "balance_bucket")):
            totals: dict[str, int] = {}
            for member in _subtree(group_id):
                for band, n in own.get(member, {}).items():
                    totals[band] = totals.get(band, 0) + n
            for band, n in totals.items():
                value, hidden = _count_cell(n)
                window = {"window_start": date(2025, 1, 1), "window_end": date(2025, 6, 1)} if column == "band" else {}
                rows.append({"group_id": group_id, **window, column: band, "members": value, "is_suppressed": hidden})
    return {
        "timebank_hours_monthly": hours,
        "timebank_traders_monthly": traders,
        "timebank_fair_exchange": bands,
        "timebank_balance_distribution": buckets,
    }


def _file_outcome_tables() -> dict[str, list[dict[str, Any]]]:
    def outcome(source, name, outcome, rule, message, accepted, quarantined):
        sha = hashlib.sha256(name.encode()).hexdigest()
        return dict(
            zip(
                NEW_SCHEMAS["file_outcomes"],
                (source, name, sha, outcome, rule, message, accepted, quarantined),
                strict=True,
            )
        )

    return {
        "file_outcomes": [
            outcome("togetheros", "groups.ndjson", "loaded", None, "loaded: 9 groups", 9, 0),
            outcome("togetheros", "proposals.ndjson", "loaded", None, "loaded: 118 proposals", 118, 2),
            outcome(
                "opencollective",
                "budget.xlsx",
                "refused",
                "file:not_recognised",
                "nothing in it is opencollective data this pipeline reads",
                0,
                1,
            ),
            outcome("decidim", "tos-open-data.zip", "loaded", None, "loaded: 50 proposals", 50, 0),
        ]
    }


def _new_tables(extra_initiatives: int = 0) -> dict[str, list[dict[str, Any]]]:
    return (
        _file_outcome_tables()
        | _people_tables()
        | _governance_tables()
        | _delivery_tables(extra_initiatives)
        | _treasury_tables()
        | _timebank_tables()
    )


def _flows(group_id: str, currency: str, index: int) -> tuple[int, int]:
    """Own inflow/outflow of one group in minor units; only some groups hold each currency."""
    if currency == "EUR":
        base = {"city-lyon": 120_000, "city-grenoble": 45_050, "city-barcelona": 98_725, "nat-fr": 10_000}
        if group_id not in base:
            return 0, 0
        return base[group_id] + 1_000 * index, base[group_id] // 2 + 750 * (index % 4)
    if group_id == "fed":
        return 250_000 + 5_000 * index, 180_000 + 2_500 * (index % 3)
    return 0, 0


DATA_AS_OF = "2025-06-30T23:59:59Z"
# the treasury's books run half a year past the rest, as real ones do: each dataset says its own date
TREASURY_AS_OF = "2025-12-31T00:00:00Z"


def dataset_as_of(name: str) -> str:
    return TREASURY_AS_OF if name.startswith(("treasury_", "local_value")) else DATA_AS_OF


def write_release(
    releases_dir: Path,
    *,
    release_id: str = RELEASE_ID,
    omit: tuple[str, ...] = (),
    link: bool = True,
    extra_initiatives: int = 0,
) -> FixtureRelease:
    """Write the release under releases_dir/<release_id>/ and point releases_dir/latest at it (with
    `extra_initiatives` more overdue initiatives of Lyon, for paging)."""
    tables = {name: rows for name, rows in build_tables(extra_initiatives).items() if name not in omit}
    release_dir = releases_dir / release_id
    (release_dir / "data").mkdir(parents=True)
    resources = []
    named = {g["group_id"]: {"group_name": g["name"], "group_level": g["level"]} for g in tables["groups"]}
    for name, rows in tables.items():
        if "group_name" in SCHEMAS[name].names:
            rows = [{**row, **named[row["group_id"]]} for row in rows]
        table = pa.Table.from_pylist(rows, schema=SCHEMAS[name])
        parquet_path, csv_path = (
            release_dir / "data" / f"{name}.parquet",
            release_dir / "data" / f"{name}.csv",
        )
        pq.write_table(table, parquet_path)
        pa_csv.write_csv(table, csv_path)
        schema = {"fields": [{"name": f.name, "type": _frictionless_type(f.type), "description": f.name}
                             for f in table.schema]}  # fmt: skip
        measured = {"bytes": parquet_path.stat().st_size, "hash": f"sha256:{_sha256(parquet_path)}"}
        # The writer's shape: Parquet is a Frictionless `file` resource whose count is `togetheros:rows`.
        resources.append({"name": name, "type": "file", "path": f"data/{name}.parquet", "format": "parquet",
                          **measured, "togetheros:rows": len(rows), "schema": schema,
                          "togetheros:data_as_of": dataset_as_of(name)})  # fmt: skip
        measured = {"bytes": csv_path.stat().st_size, "hash": f"sha256:{_sha256(csv_path)}"}
        resources.append({"name": f"{name}-csv", "type": "table", "path": f"data/{name}.csv", "format": "csv",
                          **measured, "rows": len(rows), "schema": schema,
                          "togetheros:data_as_of": dataset_as_of(name)})  # fmt: skip
    quality = {
        "status": "passed",
        "checks": [{"name": "rows_read_equals_accepted_plus_quarantined", "ok": True}],
    }
    (release_dir / "quality-report.json").write_text(json.dumps(quality, indent=2))
    (release_dir / "README.md").write_text(f"# TogetherOS Transparency release {release_id}\n")
    (release_dir / "changes.json").write_text(json.dumps({"previous": "2025-06-01T060000Z-1a2b3c4d", "changes": []}))
    signing_key = nacl.signing.SigningKey(b"\x07" * 32)  # a fixed development key: reproducible fixture
    descriptor = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "id": release_id,
        "name": "togetheros-transparency",
        "created": "2025-07-02T06:00:00Z",
        "resources": resources,
        "togetheros:metrics": METRICS + contract_metrics(),
        "togetheros:suppression": {"min_count": MIN_COUNT, "rule": "counts of people below 5 are withheld"},
        "togetheros:data_as_of": DATA_AS_OF,
        "togetheros:signing": {"algorithm": "ed25519", "key_id": "dev-0707", "development_key": True},
        "togetheros:quality": {"status": "passed", "report": "quality-report.json"},
        "togetheros:previous": {"id": "2025-06-01T060000Z-1a2b3c4d", "descriptor_sha256": "ab" * 32},
        "togetheros:lineage": [
            {"sha256": "cd" * 32, "source": "togetheros", "file_name": "groups.ndjson", "bytes": 2048}
        ],  # fmt: skip
    }
    descriptor_bytes = json.dumps(descriptor, indent=2, sort_keys=True).encode()
    (release_dir / "datapackage.json").write_bytes(descriptor_bytes)
    (release_dir / "datapackage.json.sig").write_bytes(signing_key.sign(descriptor_bytes).signature.hex().encode())
    (release_dir / "signing-key.pub").write_text(signing_key.verify_key.encode().hex())
    sums = sorted(p for p in release_dir.rglob("*") if p.is_file())
    (release_dir / "SHA256SUMS").write_text(
        "".join(f"{_sha256(p)}  {p.relative_to(release_dir).as_posix()}\n" for p in sums)
    )
    if link:
        (releases_dir / "latest").symlink_to(release_id, target_is_directory=True)
    return FixtureRelease(releases_dir=releases_dir, release_dir=release_dir, release_id=release_id, tables=tables)


def _frictionless_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_date32(arrow_type):
        return "date"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    return "string"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
