"""Kept only for `pipelines/privacy/` (people.py, people_cache.py), which imports these two names from
here: the helpers that were here live in `text`, `dates`, `quarantine`, `csv_files` and `money` now.
Remove this module once privacy imports `decode_text` from `pipelines.sources.text` and
`sniff_separator` from `pipelines.sources.csv_files`."""

from pipelines.sources.csv_files import sniff_separator
from pipelines.sources.text import decode_text

__all__ = ["decode_text", "sniff_separator"]
