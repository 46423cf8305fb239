"""The proposal lifecycle has one home, the seeds proposal_stages and proposal_outcomes: the models join
them, and everything else that has to spell a stage or an outcome out (the data tests' allowed values,
the dashboard's stage order and colours) is checked against them here."""

from __future__ import annotations

import csv

import yaml

from dashboards.charts.common import DECIDIM_STATE_COLOURS
from dashboards.queries import PROPOSAL_STAGES
from pipelines.settings import DBT_PROJECT_DIR


def _seed(name: str) -> list[dict[str, str]]:
    with open(DBT_PROJECT_DIR / "seeds" / f"{name}.csv", newline="") as f:
        return list(csv.DictReader(f))


def _accepted_values(yml: str, model: str, column: str) -> list[str]:
    properties = yaml.safe_load((DBT_PROJECT_DIR / "models" / yml).read_text())
    (entry,) = [m for m in properties["models"] if m["name"] == model]
    (col,) = [c for c in entry["columns"] if c["name"] == column]
    (test,) = [t["accepted_values"] for t in col["data_tests"] if isinstance(t, dict) and "accepted_values" in t]
    return test["arguments"]["values"]


STAGES = [row["stage"] for row in sorted(_seed("proposal_stages"), key=lambda row: int(row["stage_order"]))]
FUNNEL = [row["stage"] for row in sorted(_seed("proposal_stages"), key=lambda row: int(row["stage_order"]))
          if row["is_funnel_stage"] == "true"]  # fmt: skip
OUTCOMES = {
    source: sorted(row["outcome"] for row in _seed("proposal_outcomes") if row["source"] == source)
    for source in ("togetheros", "decidim")
}


STAGING = "staging/togetheros/_staging_togetheros.yml"


def test_every_list_of_stages_is_the_seeds():
    assert _accepted_values(STAGING, "stg_togetheros__proposals", "status") == STAGES
    assert _accepted_values("public/_governance.yml", "proposals_by_stage", "stage") == STAGES
    assert _accepted_values("public/_governance.yml", "governance_funnel", "stage") == FUNNEL
    assert list(PROPOSAL_STAGES) == STAGES


def test_every_list_of_outcomes_is_the_seeds():
    staged = _accepted_values(STAGING, "stg_togetheros__proposals", "decision_outcome")
    assert sorted(staged) == OUTCOMES["togetheros"]
    published = _accepted_values("public/_governance.yml", "governance_decidim_proposals", "state")
    assert sorted(published) == OUTCOMES["decidim"] == sorted(DECIDIM_STATE_COLOURS)
