"""TimeOverflow and plain hours CSVs (time bank): `parse` only (files from the inbox)."""

from pipelines.sources.timeoverflow.parse import REPORT_HEADERS  # read by pipelines/privacy/people.py

__all__ = ["REPORT_HEADERS"]
