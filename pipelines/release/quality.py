"""Data-quality expectations on the public datasets, run with Great Expectations 1.x before a release.

Not imported by the package or the verifier: GX is heavy, and an auditor's `verify` must stay small.
The report holds counts only, never the offending values, because it is published with the release.
`validate_release` runs the suites only over the datasets whose content or expectations changed since
the last report, reusing the others' passed results (see the section at the end of this file).
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.row_conditions import Column

from pipelines.release import fingerprint
from pipelines.release.fingerprint import content_fingerprints, sha256_json

SUPPRESSION_FLAG = "is_suppressed"
# Python's `\s` (on text) spelled as the characters it matches: pandas hands a pattern with `\s` to Python's
# re, a value at a time (RE2's `\s` misses some of them), and one with these characters to pyarrow's RE2 on
# ASCII columns. The same matches; the phone check over a 10M release's text columns 4.9 -> 1.6 s.
WHITESPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())  # what re's \s matches
SPACE, OPTIONAL_SEPARATOR = f"[{WHITESPACE}]", f"[{WHITESPACE}.-]"
PERSONAL_DATA_PATTERNS = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    "IPv4 address": r"\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b",
    # International (+country ...) or North-American (555) 123-4567 / 555-123-4567 forms;
    # ISO dates and plain ids do not match.
    "phone number": (
        r"(?:\+\d{1,3}[\s.-]?\(?\d{1,4}\)?[\s.-]?\d{2,4}[\s.-]?\d{2,4}(?:[\s.-]?\d{2,4})?)"
        r"|(?:\(\d{3}\)\s?\d{3}[\s.-]\d{4})|(?:\b\d{3}[\s.-]\d{3}[\s.-]\d{4}\b)"
    )
    .replace(r"[\s.-]", OPTIONAL_SEPARATOR)
    .replace(r"\s", SPACE),
}


def _check(what: str, expectation_class: type, **kwargs) -> gxe.Expectation:
    """An expectation that carries a plain-words description of what it checks."""
    return expectation_class(**kwargs, meta={"check": what})


def _key_checks(key: list[str]) -> list[gxe.Expectation]:
    if not key:
        return []
    unique = (
        _check(f"primary key {key[0]} is unique", gxe.ExpectColumnValuesToBeUnique, column=key[0])
        if len(key) == 1
        else _check(f"primary key {key} is unique", gxe.ExpectCompoundColumnsToBeUnique, column_list=key)
    )
    return [unique] + [
        _check(f"primary key column {column} is not null", gxe.ExpectColumnValuesToNotBeNull, column=column)
        for column in key
    ]


def _suppression_checks(people: list[str], flagged: bool, min_count: int) -> list[gxe.Expectation]:
    """Every count of people is >= min_count, or null on a row marked is_suppressed."""
    shown = (Column(SUPPRESSION_FLAG) == False) if flagged else None  # noqa: E712  (builds a GX condition)
    hidden = Column(SUPPRESSION_FLAG) == True  # noqa: E712
    checks = []
    for column in people:
        rule = f"suppression: {column} is at least {min_count}, or null with {SUPPRESSION_FLAG} = true"
        checks += [
            _check(
                rule,
                gxe.ExpectColumnValuesToBeBetween,
                column=column,
                min_value=min_count,
                row_condition=shown,
            ),
            _check(rule, gxe.ExpectColumnValuesToNotBeNull, column=column, row_condition=shown),
        ]
        if flagged:
            checks.append(_check(rule, gxe.ExpectColumnValuesToBeNull, column=column, row_condition=hidden))
    if people and flagged:
        checks.append(
            _check(
                f"{SUPPRESSION_FLAG} is set on every row",
                gxe.ExpectColumnValuesToNotBeNull,
                column=SUPPRESSION_FLAG,
            )
        )
    return checks


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series) or series.dtype == object


def expectations_for(frame: pd.DataFrame, docs: Mapping, min_count: int) -> list[gxe.Expectation]:
    """The suite of one dataset."""
    people = list(docs.get("people_counts", []))
    counts = list(dict.fromkeys(people + list(docs.get("counts", []))))
    checks = _key_checks(list(docs.get("primary_key", [])))
    checks += [
        _check(f"{column} is not negative", gxe.ExpectColumnValuesToBeBetween, column=column, min_value=0)
        for column in counts
    ]
    checks += _suppression_checks(people, SUPPRESSION_FLAG in frame.columns, min_count)
    checks += [
        _check(f"no {kind} in {column}", gxe.ExpectColumnValuesToNotMatchRegex, column=column, regex=regex)
        for column in frame.columns
        if _is_text(frame[column])
        for kind, regex in PERSONAL_DATA_PATTERNS.items()
    ]
    return checks


def run_expectations(tables: dict[str, pd.DataFrame], dataset_docs: Mapping[str, Mapping], *, min_count: int) -> dict:
    """Validate every dataset; returns {status: passed|failed, datasets: {name: {expectations, success}}}."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("release")
    datasets = {}
    for name in sorted(tables):
        frame = tables[name]
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add(
            gx.ExpectationSuite(name=name, expectations=expectations_for(frame, dataset_docs.get(name, {}), min_count))
        )
        validation = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        result = validation.run(batch_parameters={"dataframe": frame}, result_format="BASIC")
        expectations = sorted(
            (
                {
                    "check": outcome.expectation_config.meta["check"],
                    "expectation": outcome.expectation_config.type,
                    "column": outcome.expectation_config.kwargs.get("column")
                    or outcome.expectation_config.kwargs.get("column_list"),
                    "success": bool(outcome.success),
                    "element_count": outcome.result.get("element_count"),
                    "unexpected_count": outcome.result.get("unexpected_count"),
                }
                for outcome in result.results
            ),
            key=lambda e: (e["check"], e["expectation"]),
        )
        datasets[name] = {"success": all(e["success"] for e in expectations), "expectations": expectations}
    status = "passed" if all(d["success"] for d in datasets.values()) else "failed"
    return {"status": status, "min_count": min_count, "datasets": datasets}


# --- Reusing earlier results: validate only what changed (issue 16) ---------------------------------
#
# A dataset's result is reused only when its content fingerprint and its expectations fingerprint both
# equal those of an earlier result that passed: GX is deterministic, so that result is the one a fresh
# validation would give. A failed result is never reused; anything unknown (no earlier report, an older
# report without fingerprints, another version of this file or of the engines) validates anew.

VALIDATED_NOW, REUSED = "now", "reused"
# what turns the warehouse's table into the frame GX sees, and GX itself: another version validates anew
FINGERPRINT_ENGINES = ("duckdb", "pyarrow", "pandas", "numpy", "great-expectations")


def _code_sha256() -> str:
    digest = hashlib.sha256()
    for path in (Path(__file__), Path(fingerprint.__file__)):
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


_CODE_SHA256 = _code_sha256()  # when imported: the code that runs, even if the files change meanwhile


def code_version() -> str:
    """The SHA-256 of this file and of the fingerprint's, as imported: a change to any check (or to how
    results are reused) validates anew."""
    return _CODE_SHA256


def expectations_fingerprint(suite: list[gxe.Expectation], docs: Mapping, min_count: int) -> str:
    """The SHA-256 of what a dataset is checked against: its suite (every expectation's type, arguments
    and description), its docs, min_count, this file and the engines' versions."""
    return sha256_json(
        {
            "suite": [expectation.configuration.to_json_dict() for expectation in suite],
            "docs": docs,
            "min_count": min_count,
            "code": code_version(),
            "engines": {name: metadata.version(name) for name in FINGERPRINT_ENGINES},
        }
    )


def _reusable(earlier: Mapping | None, fingerprints: Mapping[str, str]) -> bool:
    return (
        isinstance(earlier, Mapping)
        and earlier.get("success") is True
        and all(earlier.get(key) == value for key, value in fingerprints.items())
        and isinstance(earlier.get("expectations"), list)
        and all(e.get("success") is True for e in earlier["expectations"])
    )


def validate_release(
    tables: Mapping[str, pa.Table],
    dataset_docs: Mapping[str, Mapping],
    *,
    min_count: int,
    previous: Mapping | None = None,
) -> dict:
    """`run_expectations` over the datasets whose content or expectations changed since `previous` (the
    last quality report; None: validate every dataset), reusing the earlier passed result of the others.
    The report is `run_expectations`'s, each dataset also recording its `content_sha256`,
    `expectations_sha256` and whether it was `validated` "now" or "reused"."""
    content = content_fingerprints(tables)
    frames = {name: table.to_pandas() for name, table in tables.items()}
    earlier = (previous or {}).get("datasets") or {}
    fingerprints, reused = {}, {}
    for name in sorted(frames):
        docs = dataset_docs.get(name, {})
        suite = expectations_for(frames[name], docs, min_count)
        fingerprints[name] = {
            "content_sha256": content[name],
            "expectations_sha256": expectations_fingerprint(suite, docs, min_count),
        }
        record = earlier.get(name)
        if _reusable(record, fingerprints[name]):
            reused[name] = {"success": True, "expectations": record["expectations"]}
    changed = {name: frame for name, frame in frames.items() if name not in reused}
    fresh = run_expectations(changed, dataset_docs, min_count=min_count) if changed else {"datasets": {}}
    datasets = {
        name: {
            **(reused[name] if name in reused else fresh["datasets"][name]),
            **fingerprints[name],
            "validated": REUSED if name in reused else VALIDATED_NOW,
        }
        for name in sorted(frames)
    }
    status = "passed" if all(d["success"] for d in datasets.values()) else "failed"
    return {"status": status, "min_count": min_count, "datasets": datasets}
