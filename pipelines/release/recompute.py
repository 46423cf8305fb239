"""Declarative recompute rules: an aggregate's measures re-derived from its facts with DuckDB.

A rule looks like
    {"aggregate": "treasury_monthly", "from": "treasury_legs", "keys": ["group_id", "month", "currency"],
     "measures": {"inflow_minor": "sum(case when amount_minor > 0 then amount_minor else 0 end)"}}

Rules travel inside the release, so the verifier treats them as untrusted: identifiers must be fields of
the Table Schemas (and are quoted), and a measure must fit a small grammar, re-rendered from its parse:

    measure  := sum(value) | count(*) | count(value) | count(distinct column)
    value    := operand | case when column op number then operand else operand end
    operand  := [-]column | number | null          op := = | != | <> | < | <= | > | >=

A rule may add `"up_the_hierarchy_of": "groups"`: each fact then also counts for every group above its own
(`group_id` → `parent_id` in the released `groups` dataset), as the hierarchy's figures do. A rule may add
`"where": "<boolean column of the facts>"`: only the facts where it is true count (e.g. approved decisions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.release.tables import quote_identifier, quote_literal

SUPPRESSION_FLAG = "is_suppressed"
HIERARCHY_DATASET = "groups"
RULE_KEYS = {"aggregate", "from", "keys", "measures", "up_the_hierarchy_of", "where"}
EXAMPLES_PER_PROBLEM = 5

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|<>|!=|[=<>()*-]))")
_OPERATORS = {"=", "!=", "<>", "<", "<=", ">", ">="}


class RuleError(ValueError):
    """A recompute rule that is malformed or names something the release does not hold."""


@dataclass(frozen=True)
class ParsedMeasure:
    sql: str
    columns: frozenset[str]


_KEYWORDS = {"sum", "count", "distinct", "case", "when", "then", "else", "end", "null"}


class _Parser:
    """Recursive descent over the measure grammar; renders SQL with quoted identifiers."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = self._tokenize(text)
        self.position = 0
        self.columns: set[str] = set()

    def _fail(self, message: str) -> RuleError:
        return RuleError(f"measure {self.text!r}: {message}")

    def _tokenize(self, text: str) -> list[str]:
        tokens, index, end = [], 0, len(text.rstrip())
        while index < end:
            match = _TOKEN.match(text, index)
            if not match:
                raise self._fail(f"unexpected text at {text[index:].strip()!r}")
            tokens.append(next(group for group in match.groups() if group))
            index = match.end()
        return tokens

    def _peek(self) -> str:
        return self.tokens[self.position].lower() if self.position < len(self.tokens) else ""

    def _take(self) -> str:
        if self.position >= len(self.tokens):
            raise self._fail("ends too early")
        self.position += 1
        return self.tokens[self.position - 1]

    def _expect(self, word: str) -> None:
        got = self._take()
        if got.lower() != word:
            raise self._fail(f"expected {word!r}, found {got!r}")

    def _column(self) -> str:
        name = self._take()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name.lower() in _KEYWORDS:
            raise self._fail(f"expected a column name, found {name!r}")
        self.columns.add(name)
        return quote_identifier(name)

    def _number(self) -> str:
        sign = ""
        if self._peek() == "-":
            sign = self._take()
        value = self._take()
        if not value[0].isdigit():
            raise self._fail(f"expected a number, found {value!r}")
        return sign + value

    def _operand(self) -> str:
        token = self._peek()
        if token == "null":
            self._take()
            return "NULL"
        if token[:1].isdigit():
            return self._number()
        if token == "-":
            self._take()
            return "-" + (self._number() if self._peek()[:1].isdigit() else self._column())
        return self._column()

    def _value(self) -> str:
        if self._peek() != "case":
            return self._operand()
        self._take()
        self._expect("when")
        column = self._column()
        operator = self._take()
        if operator not in _OPERATORS:
            raise self._fail(f"{operator!r} is not a comparison operator")
        bound = self._number()
        self._expect("then")
        then_value = self._operand()
        self._expect("else")
        else_value = self._operand()
        self._expect("end")
        return f"CASE WHEN {column} {operator} {bound} THEN {then_value} ELSE {else_value} END"

    def parse(self) -> ParsedMeasure:
        function = self._take().lower()
        if function not in {"sum", "count"}:
            raise self._fail("only sum(...) and count(...) are allowed")
        self._expect("(")
        if function == "count" and self._peek() == "*":
            inner = self._take()
        elif function == "count" and self._peek() == "distinct":
            self._take()
            inner = "DISTINCT " + self._column()
        else:
            inner = self._value()
        self._expect(")")
        if self.position < len(self.tokens):
            raise self._fail(f"unexpected {self.tokens[self.position]!r} after the closing parenthesis")
        return ParsedMeasure(sql=f"{function}({inner})", columns=frozenset(self.columns))


def parse_measure(text: str) -> ParsedMeasure:
    if not isinstance(text, str):
        raise RuleError(f"measure {text!r} is not a string")
    return _Parser(text).parse()


def rule_name(rule: Mapping) -> str:
    return f"{rule.get('aggregate')} from {rule.get('from')}"


def check_rule_shape(rule: Mapping, fields: Mapping[str, list[str]]) -> dict[str, ParsedMeasure]:
    """Validate a rule against the datasets' field names; return its parsed measures."""
    aggregate, facts, keys, measures = (
        rule.get("aggregate"),
        rule.get("from"),
        rule.get("keys"),
        rule.get("measures"),
    )
    unknown_keys = sorted(set(rule) - RULE_KEYS)
    if unknown_keys:  # a misspelt or retired option must not silently change what is checked
        raise RuleError(f"rule {rule_name(rule)}: unknown option(s) {unknown_keys}")
    for role, dataset in (("aggregate", aggregate), ("from", facts)):
        if dataset not in fields:
            raise RuleError(f"rule {rule_name(rule)}: {role} {dataset!r} is not a dataset of the release")
    if not isinstance(keys, list) or not keys or not isinstance(measures, dict) or not measures:
        raise RuleError(f"rule {rule_name(rule)}: needs a non-empty 'keys' list and 'measures' mapping")
    for key in keys:
        for dataset in (aggregate, facts):
            if key not in fields[dataset]:
                raise RuleError(f"rule {rule_name(rule)}: key {key!r} is not a field of {dataset}")
    hierarchy = rule.get("up_the_hierarchy_of")
    if hierarchy is not None and (
        hierarchy != HIERARCHY_DATASET
        or "group_id" not in keys
        or not {"group_id", "parent_id"} <= set(fields.get(HIERARCHY_DATASET, []))
    ):
        raise RuleError(
            f"rule {rule_name(rule)}: up_the_hierarchy_of must be {HIERARCHY_DATASET!r}, with group_id among the keys"
        )
    where = rule.get("where")
    if where is not None and (not isinstance(where, str) or where not in fields[facts]):
        raise RuleError(f"rule {rule_name(rule)}: where {where!r} is not a field of {facts}")
    parsed = {}
    for measure, expression in measures.items():
        if measure not in fields[aggregate]:
            raise RuleError(f"rule {rule_name(rule)}: measure {measure!r} is not a field of {aggregate}")
        parsed[measure] = parse_measure(expression)
        unknown = sorted(parsed[measure].columns - set(fields[facts]))
        if unknown:
            raise RuleError(f"rule {rule_name(rule)}: measure {measure!r} uses {unknown} not in {facts}")
    return parsed


def _describe_rows(rows: list[tuple], keys: list[str]) -> str:
    shown = "; ".join(
        "(" + ", ".join(f"{k}={v}" for k, v in zip(keys, row, strict=False)) + ")"
        for row in rows[:EXAMPLES_PER_PROBLEM]
    )
    more = f" and {len(rows) - EXAMPLES_PER_PROBLEM} more" if len(rows) > EXAMPLES_PER_PROBLEM else ""
    return shown + more


def recompute_problems(
    con: duckdb.DuckDBPyConnection,
    rule: Mapping,
    parquet_paths: Mapping[str, Path],
    fields: Mapping[str, list[str]],
) -> list[str]:
    """Messages for every row where the released aggregate and its recomputation disagree."""
    measures = check_rule_shape(rule, fields)
    aggregate, facts, keys = rule["aggregate"], rule["from"], list(rule["keys"])
    key_cols = ", ".join(quote_identifier(k) for k in keys)
    measure_cols = ", ".join(quote_identifier(m) for m in measures)
    recomputed_measures = ", ".join(f"{m.sql} AS {quote_identifier(name)}" for name, m in measures.items())
    suppressed = (
        f"coalesce({quote_identifier(SUPPRESSION_FLAG)}, false)" if SUPPRESSION_FLAG in fields[aggregate] else "false"
    )
    same_key = " AND ".join(f"a.{quote_identifier(k)} IS NOT DISTINCT FROM b.{quote_identifier(k)}" for k in keys)
    facts_sql = f"read_parquet({quote_literal(str(parquet_paths[facts]))})"
    if rule.get("where"):
        facts_sql = f"(SELECT * FROM {facts_sql} WHERE coalesce({quote_identifier(rule['where'])}, false))"
    if rule.get("up_the_hierarchy_of"):
        groups_sql = f"read_parquet({quote_literal(str(parquet_paths[HIERARCHY_DATASET]))})"
        facts_sql = f"""(
            WITH RECURSIVE ancestry(group_id, ancestor_id) AS (
                SELECT group_id, group_id FROM {groups_sql}
                UNION ALL
                SELECT ancestry.group_id, g.parent_id FROM ancestry JOIN {groups_sql} g
                    ON ancestry.ancestor_id = g.group_id WHERE g.parent_id IS NOT NULL)
            SELECT f.* REPLACE (ancestry.ancestor_id AS group_id)
            FROM {facts_sql} f JOIN ancestry ON f.group_id = ancestry.group_id)"""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE recomputed AS
        SELECT {key_cols}, {recomputed_measures}
        FROM {facts_sql} GROUP BY {key_cols};
        CREATE OR REPLACE TEMP TABLE released AS
        SELECT {key_cols}, {measure_cols}, {suppressed} AS _suppressed
        FROM read_parquet({quote_literal(str(parquet_paths[aggregate]))});
    """)
    a_keys = ", ".join(f"a.{quote_identifier(k)}" for k in keys)
    missing = con.execute(
        f"SELECT {a_keys} FROM recomputed a ANTI JOIN released b ON {same_key} ORDER BY ALL"
    ).fetchall()
    extra = con.execute(
        f"SELECT {a_keys} FROM released a ANTI JOIN recomputed b ON {same_key} WHERE NOT a._suppressed ORDER BY ALL"
    ).fetchall()
    problems = []
    if missing:
        problems.append(
            f"{aggregate}: {len(missing)} row(s) recomputed from {facts} are missing from the "
            f"release: {_describe_rows(missing, keys)}"
        )
    if extra:
        problems.append(
            f"{aggregate}: {len(extra)} row(s) in the release have no facts in {facts}: {_describe_rows(extra, keys)}"
        )
    for name in measures:
        column = quote_identifier(name)
        differing = con.execute(
            f"SELECT {a_keys}, a.{column}, b.{column} FROM released a JOIN recomputed b ON {same_key} "
            f"WHERE NOT a._suppressed AND a.{column} IS DISTINCT FROM b.{column} ORDER BY ALL"
        ).fetchall()
        if differing:
            examples = "; ".join(
                "(" + ", ".join(f"{k}={v}" for k, v in zip(keys, row, strict=False)) + f") released {row[-2]}, "
                f"recomputed {row[-1]}"
                for row in differing[:EXAMPLES_PER_PROBLEM]
            )
            problems.append(
                f"{aggregate}.{name}: {len(differing)} row(s) differ from {rule['measures'][name]!r} "
                f"over {facts}: {examples}"
            )
    return problems
