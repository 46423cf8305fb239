"""One package per source system, named by its inbox folder (`data/inbox/<source>/`) and its contract
(`contracts/sources/<source>.yaml`). What a source package provides:

`pipelines/sources/<source>/parse.py` (landing → raw), every source:

    SOURCE: str
    def parse(path, file_name, landing_sha256) -> dict[str, Checked]
    # optional, instead of calling `parse` file by file:
    def parse_batch(files: list[tuple[path, file_name, landing_sha256]], seen=None) -> dict[str, Checked]
    def parse_slices(path, file_name, landing_sha256, map_in_order) -> Iterator[dict[str, Checked]]
    def in_slices(file_name) -> bool      # the files `parse_slices` reads (default: every file)
    def parsed_bytes(path, size) -> int   # what parsing a file reads (default: its size)

`parse` reads one landed file in the system's native format and returns, per entity, the rows the
contract accepted and the rows quarantined (file, record, rule). It never raises on bad content: an
unreadable file becomes one quarantined record naming the problem. It reads only the file it is given,
never the network, never the environment (the one setting a parser has, Decidim's budget currency, as
its export has no currency column, is handed over by the raw asset: `decidim.parse.budget_currency`,
from the `Sources` resource; the limits likewise, `limits.active`). `parse_batch` checks many small files
(API pages) in one contract pass; `parse_slices` yields a huge file's rows a slice at a time, each slice
parsed through `map_in_order` (the raw load's worker processes; `itertools.starmap` when None). The raw
load (`pipelines/raw.py`) calls one of them, in that order of preference. A source in
`pipelines.privacy.people.PARSED_READERS` also takes `seen` in `parse` and `parse_batch`, and hands it
each file's data as parsed, `seen(landing_sha256, data)`: the privacy gate's people are read from it.

`pipelines/sources/<source>/fetch.py` (API → landing), sources with an API (`API_SOURCES`):

    class Settings:                 # frozen; `configured` is False when the API is not set up
        @classmethod
        def from_env(cls, env) -> Settings   # for tests and tools; the pipeline builds it from the
        configured: bool                     # `Sources` resource (`Sources.api(source)`)
    def fetch(settings, sink: Sink, state: dict, *, client=None) -> dict

`fetch` asks the API for what changed since `state` (what the last run returned), hands every page to
`sink(file_name, body, meta)` (`pipelines.sources.http.Sink`; the landing stores it unchanged) before
it counts as fetched, and returns the new state. On failure it raises `FetchError` whose `state`
resumes after the last page sunk. It never parses into rows: `parse` reads the landed pages like any
other file. Shared pieces: `http` (the client, with retries), `quarantine`, `csv_files`,
`text`, `dates`, `money`, `contracts`, `formats`, `limits`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

API_SOURCES = ("discourse", "decidim", "opencollective")


def parser(source: str) -> ModuleType:
    """The `parse` module of a source (landing → raw)."""
    return importlib.import_module(f"pipelines.sources.{source}.parse")


def fetcher(source: str) -> ModuleType:
    """The `fetch` module of a source with an API (API → landing)."""
    if source not in API_SOURCES:
        raise ValueError(f"{source} has no API fetcher (those that do: {', '.join(API_SOURCES)})")
    return importlib.import_module(f"pipelines.sources.{source}.fetch")
