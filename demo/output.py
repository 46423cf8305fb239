"""Byte-stable file writers: same content in, same bytes out (no clocks, no ordering surprises)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import IO

import numpy as np
import polars as pl

ZIP_EPOCH = (2000, 1, 1, 0, 0, 0)


def dump_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_json(path: Path, value: object) -> None:
    path.write_text(dump_json(value), encoding="utf-8")


def plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Python-object columns (text mixed with None) as strings, which every writer understands."""
    objects = [name for name, dtype in frame.schema.items() if dtype == pl.Object]
    return frame.with_columns(pl.Series(name, frame[name].to_list(), dtype=pl.String) for name in objects)


def nullable(values: np.ndarray, keep: np.ndarray) -> pl.Series:
    """values where keep is true, null elsewhere (keeps the numeric type)."""
    return pl.select(pl.when(pl.Series(keep)).then(pl.Series(values))).to_series()


def write_csv(target: Path | IO[bytes], frame: pl.DataFrame, separator: str = ",", include_header: bool = True) -> None:
    """CSV as Ruby/Node exporters write it: empty text is an empty field, never a quoted ""."""
    frame = plain(frame)
    frame.with_columns(pl.col(pl.String).replace("", None)).write_csv(
        target, separator=separator, include_header=include_header, line_terminator="\n"
    )


def csv_bytes(frame: pl.DataFrame, separator: str = ",") -> bytes:
    buffer = io.BytesIO()
    write_csv(buffer, frame, separator)
    return buffer.getvalue()


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    """A ZIP whose bytes depend only on the members: fixed timestamps, permissions and compression."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)


class NdjsonWriter:
    """Appends frames to one NDJSON file, so large tables are written chunk by chunk."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = 0
        self._handle = path.open("wb")

    def write(self, frame: pl.DataFrame) -> None:
        frame = plain(frame)
        if frame.height:
            frame.write_ndjson(self._handle)
            self.rows += frame.height

    def write_line(self, text: str) -> None:
        self._handle.write(text.encode() + b"\n")
        self.rows += 1

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> NdjsonWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stamp(values: np.ndarray, fmt: str) -> pl.Series:
    """Format datetime64 values (NaT → null) with a strftime pattern, vectorized."""
    series = pl.Series(values.astype("datetime64[ms]"))
    return series.dt.strftime(fmt)


ISO_Z = "%Y-%m-%dT%H:%M:%SZ"  # TogetherOS (Postgres JSON export)
ISO_MS_Z = "%Y-%m-%dT%H:%M:%S%.3fZ"  # Discourse API
DECIDIM = "%Y-%m-%d %H:%M:%S UTC"  # Decidim open data
OC = "%Y-%m-%dT%H:%M:%S"  # Open Collective CSV, zone-less UTC
RAILS_DB = "%Y-%m-%d %H:%M:%S"  # TimeOverflow database columns (UTC, no zone)
DAY = "%Y-%m-%d"
