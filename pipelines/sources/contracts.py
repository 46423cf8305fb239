"""Source contracts (ODCS v3.1 YAML in contracts/sources/) and the vectorized check that splits
parsed rows into accepted (typed) rows and quarantined rows with a reason.

Parsers hand over a polars frame of raw values (strings or JSON scalars) plus a `_record`
locator column; `apply_contract` casts each column to its declared type and applies the
declared rules. A row failing any rule goes to quarantine once, with the first rule it broke.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts" / "sources"

POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us"),
}

QUARANTINE_SCHEMA = {
    "source": pl.String,
    "entity": pl.String,
    "landing_sha256": pl.String,
    "file_name": pl.String,
    "record": pl.String,
    "rule": pl.String,
    "column_name": pl.String,
    "value": pl.String,
    "message": pl.String,
}

MAX_FIELD_CHARS = 100_000  # longer fields are refused as a rule, not truncated


@dataclass(frozen=True)
class Column:
    name: str
    logical_type: str
    required: bool = False
    primary_key: bool = False
    valid_values: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class TableContract:
    source: str
    entity: str
    columns: tuple[Column, ...]

    @property
    def table(self) -> str:
        return f"{self.source}__{self.entity}"

    @functools.cached_property  # asked once per row by some parsers
    def key(self) -> list[str]:
        return [c.name for c in self.columns if c.primary_key]

    def polars_schema(self) -> dict[str, pl.DataType]:
        return {c.name: POLARS_TYPES[c.logical_type] for c in self.columns}


@dataclass
class Checked:
    """Outcome of checking one entity of one file: rows read = accepted + quarantined."""

    accepted: pl.DataFrame
    quarantined: pl.DataFrame
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)
    # records of the file that are not rows of the entity (a beancount book's errors): quarantined under
    # entity `file`, not counted as rows of this one
    file_problems: list = field(default_factory=list)
    outcome_message: str | None = None  # what the file's outcome says when it is not the usual count


def _column(spec: dict) -> Column:
    options = spec.get("logicalTypeOptions") or {}
    valid = None
    for rule in spec.get("quality") or []:
        if rule.get("metric") == "invalidValues":
            valid = tuple(rule["arguments"]["validValues"])
    logical = spec.get("logicalType", "string")
    if logical == "date" and options.get("format") == "timestamp":
        logical = "timestamp"
    return Column(
        name=spec["name"],
        logical_type=logical,
        required=bool(spec.get("required")),
        primary_key=bool(spec.get("primaryKey")),
        valid_values=valid,
        minimum=options.get("minimum"),
        maximum=options.get("maximum"),
        max_length=options.get("maxLength"),
    )


@functools.cache
def load_contract(source: str, contracts_dir: Path = CONTRACTS_DIR) -> dict[str, TableContract]:
    doc = yaml.safe_load((contracts_dir / f"{source}.yaml").read_text())
    tables = {}
    for obj in doc["schema"]:
        entity = obj["name"]
        tables[entity] = TableContract(source, entity, tuple(_column(p) for p in obj["properties"]))
    return tables


def _cast(col: pl.Expr, logical: str) -> pl.Expr:
    target = POLARS_TYPES[logical]
    if logical == "boolean":
        text = col.cast(pl.String).str.to_lowercase().str.strip_chars()
        return (
            pl.when(text.is_in(["true", "t", "1", "yes"]))
            .then(True)
            .when(text.is_in(["false", "f", "0", "no"]))
            .then(False)
            .otherwise(None)
        )
    if logical in ("date", "timestamp"):
        # parsers normalise timestamps to UTC themselves; here only type enforcement
        return col.cast(target, strict=False)
    if logical == "integer":
        # "12.0" is not an integer id; refuse rather than truncate
        return col.cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False)
    if logical == "number":
        return col.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    return col.cast(pl.String)


# columns by which a source versions its records, most significant first: of two rows with one key in
# one file, the one with the greater values is the record (an edited post beside its first version)
VERSION_COLUMNS = ("version", "updated_at")


def apply_contract(
    frame: pl.DataFrame, contract: TableContract, landing_sha256: str | None, file_name: str | None
) -> Checked:
    """Cast and check `frame` (raw values + `_record`) against `contract`.

    Accepted rows carry exactly the contract's columns plus `_landing_sha256` and `_record`. A frame
    holding rows of many files carries `_landing_sha256` and `_file_name` columns instead of the two
    arguments (None), so many small files are checked in one pass.
    """
    if landing_sha256 is not None:
        frame = frame.with_columns(_landing_sha256=pl.lit(landing_sha256), _file_name=pl.lit(file_name))
    rows_read = frame.height
    if "_record" not in frame.columns:
        frame = frame.with_row_index("_record", offset=1).with_columns(pl.col("_record").cast(pl.String))
    missing = [c.name for c in contract.columns if c.name not in frame.columns]
    frame = frame.with_columns([pl.lit(None).alias(name) for name in missing])

    casts, failures = [], []
    for c in contract.columns:
        raw = pl.col(c.name)
        raw_text = raw.cast(pl.String)
        typed = _cast(raw, c.logical_type)
        present = raw.is_not_null() & (raw_text.str.strip_chars() != "")
        casts.append(pl.when(present).then(typed).otherwise(None).alias(c.name))
        failures.append((f"{c.name}:type:{c.logical_type}", present & typed.is_null(), c.name))
        if c.required:
            failures.append((f"{c.name}:required", ~present, c.name))
        too_long = raw_text.str.len_chars() > (c.max_length or MAX_FIELD_CHARS)
        failures.append((f"{c.name}:max_length", too_long, c.name))
        if c.valid_values is not None:
            valid = list(map(str, c.valid_values))
            failures.append((f"{c.name}:valid_values", present & ~raw_text.is_in(valid), c.name))
        if c.minimum is not None:
            failures.append((f"{c.name}:minimum:{c.minimum}", typed < c.minimum, c.name))
        if c.maximum is not None:
            failures.append((f"{c.name}:maximum:{c.maximum}", typed > c.maximum, c.name))

    # One flat boolean column per rule (flat expressions plan fast; most files break no rule at all),
    # then the first broken rule per row is looked up only for the rows that broke one.
    flags = [failed.fill_null(False).alias(f"__rule_{i}") for i, (_, failed, _) in enumerate(failures)]
    key = contract.key
    by_name = {c.name: c for c in contract.columns}
    versions = [by_name[name] for name in VERSION_COLUMNS if name in by_name]
    older = None
    if key:
        group = [*key, "_landing_sha256"]  # the same record in two files is not a duplicate
        per_file = pl.struct(group)
        if versions:
            # versions of one record: the latest by the source's own version, then update time, wins
            # (the first of equal ones); the others are quarantined as older versions or duplicates
            typed = [_cast(pl.col(c.name), c.logical_type) for c in versions]
            frame = frame.with_row_index("__idx")  # one index for the whole frame (not per window)
            index = pl.col("__idx")
            winner = index.sort_by([*typed, index], descending=[True] * len(typed) + [False], nulls_last=True)
            is_winner = index == winner.first().over(group)
            flags.append((per_file.is_duplicated() & ~is_winner).alias("__duplicate"))
            newest = [
                t.sort_by([*typed, index], descending=[True] * len(typed) + [False], nulls_last=True) for t in typed
            ]
            older = pl.any_horizontal(
                [t.ne_missing(n.first().over(group)) for t, n in zip(typed, newest, strict=True)]
            ).alias("__older")
        else:
            flags.append((per_file.is_duplicated() & ~per_file.is_first_distinct()).alias("__duplicate"))
    checked = frame.with_columns(flags)
    if older is not None:
        checked = checked.with_columns(older)
    flag_names = [f.meta.output_name() for f in flags]
    checked = checked.with_columns(__broken=pl.any_horizontal(flag_names))

    bad = checked.filter("__broken")
    quarantine_rows_ = []
    for row in bad.iter_rows(named=True):
        broken = [(rule, name) for i, (rule, _, name) in enumerate(failures) if row[f"__rule_{i}"]]
        if broken:
            rule, name = broken[0]
        elif row.get("__older"):
            rule, name = f"{'+'.join(key)}:older_version", versions[0].name
        else:
            rule, name = f"{'+'.join(key)}:duplicate_key", key[0]
        value = row[name]
        quarantine_rows_.append(
            {
                "source": contract.source,
                "entity": contract.entity,
                "landing_sha256": row["_landing_sha256"],
                "file_name": row["_file_name"],
                "record": str(row["_record"]),
                "rule": rule,
                "column_name": name,
                "value": None if value is None else str(value)[:200],
                "message": f"{contract.table}: record {row['_record']} of {row['_file_name']} breaks rule {rule}",
            }
        )
    quarantined = pl.DataFrame(quarantine_rows_, schema=QUARANTINE_SCHEMA)

    good = checked.filter(~pl.col("__broken")) if bad.height else checked
    accepted = good.select(casts + [pl.col("_landing_sha256"), pl.col("_record").cast(pl.String)]).cast(
        {**contract.polars_schema(), "_landing_sha256": pl.String, "_record": pl.String}
    )
    return Checked(accepted=accepted, quarantined=quarantined, rows_read=rows_read)
