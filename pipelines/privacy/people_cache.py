"""What each landed file yields to `people`, kept so that a refresh reads only the newly landed files.

Landed files never change (they are named by their SHA-256), so the values the readers find in one
(personal, public and the books' free text, as found, before any normalisation) are stored once per
source and sha256, in a DuckDB file in the data dir's `warehouse/` folder. It holds personal data
(names, handles, emails, phones): it belongs in the private data dir only, never in landing/ (landed
bytes alone) nor in a release.
Its name carries a digest of the readers' code, so changing a reader starts a new cache.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.landing import LandedFile, Landing
from pipelines.privacy import people as people_module
from pipelines.privacy.people import READERS, InputFile, People, landed_input, read_people
from pipelines.sources.csv_files import sniff_separator
from pipelines.sources.ledger import parse as ledger_source
from pipelines.sources.text import decode_text
from pipelines.sources.timeoverflow import REPORT_HEADERS
from pipelines.sources.togetheros.parse import line_slices

CACHE_GLOB = "privacy-people-*.duckdb*"  # the database and its write-ahead log
BATCH_FILES = 1000  # stored as they are read: an interrupted first run keeps what it read
# values are kept as bytes: undecodable input survives as lone surrogates (`decode_text`), which no
# UTF-8 column accepts; "surrogatepass" gives them back unchanged
SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("sha256", pa.string()),
        ("personal", pa.list_(pa.binary())),
        ("public", pa.list_(pa.binary())),
        ("unreadable", pa.list_(pa.string())),
        ("ledger", pa.list_(pa.binary())),
    ]
)


def _readers_digest() -> str:
    """Changes with the readers' code and what they use from the sources (keep in step with people's imports),
    but not with the rest of those modules, so that an unrelated change does not reread every landed file."""
    used = [
        Path(people_module.__file__).read_text(),
        inspect.getsource(decode_text),
        inspect.getsource(line_slices),  # the TogetherOS tables are read a slice at a time
        inspect.getsource(sniff_separator),
        json.dumps({k: sorted(v) for k, v in REPORT_HEADERS.items()}),
        inspect.getsource(ledger_source),  # the ledger reader uses the source's journal parser
        people_module.LEDGER_CATEGORIES_SEED.read_text(),
    ]
    return hashlib.sha256("\n".join(used).encode()).hexdigest()[:16]


def _landed_of(landing_dir: Path, source: str) -> list[tuple[str, str]]:
    """(source, sha256) of every landed file of `source`, with its meta and its bytes still there."""
    folder = landing_dir / source
    if not ((folder / "files").is_dir() and (folder / "meta").is_dir()):  # names only: no meta is read here
        return []
    present = {name.split(".", 1)[0] for name in os.listdir(folder / "files")}  # <sha256><suffix>
    metas = (name.removesuffix(".json") for name in os.listdir(folder / "meta") if name.endswith(".json"))
    return sorted((source, sha256) for sha256 in metas if sha256 in present)


def _landed(landing_dir: Path) -> list[tuple[str, str]]:
    """(source, sha256) of the landed files whose people are terms. Once the raw layer has loaded: those it
    holds rows of (`accepted_by_raw`), as it lists them, whether or not their bytes are still there (cached
    people still name whom those rows may identify; a file neither cached nor there has nothing to read),
    so that 600,000 names of the 10M bench's landed files and metas are not listed each scan. Before: every
    landed file a reader reads, with its meta and its bytes still there."""
    accepted = accepted_by_raw(landing_dir.parent / "warehouse" / "warehouse.duckdb")
    if accepted is not None:
        return sorted(key for key in accepted if key[0] in READERS)
    return [key for source in READERS for key in _landed_of(landing_dir, source)]


def accepted_by_raw(warehouse: Path) -> set[tuple[str, str]] | None:
    """(source, sha256) of the landed files the raw layer loaded rows from: the current version of each
    file name, not refused whole (what it refused, or what a newer version replaced, it removed from
    `raw.load_log`, so it cannot reach a release). None when there is no raw layer to ask (an inbox or
    landing folder on its own): then every landed file is read."""
    if not warehouse.is_file():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(
                "select source, landing_sha256 from raw.load_log group by all having sum(rows_accepted) > 0"
            ).fetchall()
    except (duckdb.CatalogException, duckdb.IOException):  # no load yet, or held by another process
        return None
    return {(source, sha256) for source, sha256 in rows}


def _open(cache_dir: Path) -> duckdb.DuckDBPyConnection:
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"privacy-people-{_readers_digest()}.duckdb"
    for stale in cache_dir.glob(CACHE_GLOB):
        if not stale.name.startswith(path.name):
            stale.unlink()
    db = duckdb.connect(str(path))
    db.execute(
        "CREATE TABLE IF NOT EXISTS found (source VARCHAR, sha256 VARCHAR, personal BLOB[], public BLOB[], "
        "unreadable VARCHAR[], ledger BLOB[], "
        "PRIMARY KEY (source, sha256))"
    )
    return db


def _current(landing_dir: Path, source: str) -> dict[str, LandedFile]:
    """The source's current landed files by sha256, from its index: one document for all of them."""
    if not (landing_dir / source).is_dir():
        return {}
    return {landed.sha256: landed for landed in Landing(landing_dir, source).current()}


def _inputs(landing_dir: Path, keys: list[tuple[str, str]]) -> list[InputFile | None]:
    """The landed file to read for each (source, sha256), or None when its bytes (or meta) are gone: named
    by the source's index, and by the file's meta only when the index does not hold it (an older version).
    Opening 297,272 metas was a third of collecting the people of a 10M-event Discourse."""
    current = {source: _current(landing_dir, source) for source in sorted({source for source, _ in keys})}
    inputs = []
    for source, sha256 in keys:
        landed = current[source].get(sha256)
        if landed is None:
            meta = landing_dir / source / "meta" / f"{sha256}.json"
            inputs.append(landed_input(landing_dir, meta) if meta.is_file() else None)
            continue
        path = landed.path(landing_dir)
        inputs.append(InputFile(landed.source, landed.file_name, path) if path.is_file() else None)
    return inputs


def _encoded(values: set[str]) -> list[bytes]:
    return [value.encode("utf-8", "surrogatepass") for value in sorted(values)]


def rows(source: str, found: dict[str, People]) -> pa.Table:
    """The cache's rows of what each file of `source` (by sha256) yields."""
    return pa.Table.from_pylist(
        [
            {
                "source": source,
                "sha256": sha256,
                "personal": _encoded(people.personal),
                "public": _encoded(people.public),
                "unreadable": sorted(people.unreadable),
                "ledger": _encoded(people.ledger),
            }
            for sha256, people in found.items()
        ],
        schema=SCHEMA,
    )


def _insert(db: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    db.register("batch", table)
    db.execute("INSERT OR IGNORE INTO found SELECT * FROM batch")  # a file read again yields the same
    db.unregister("batch")


def _store(db: duckdb.DuckDBPyConnection, new: list[tuple[tuple[str, str], InputFile | None]]) -> None:
    for source in sorted({source for (source, _), _ in new}):
        found = {sha256: read_people(item) for (s, sha256), item in new if s == source and item is not None}
        _insert(db, rows(source, found))


def _store_new(db: duckdb.DuckDBPyConnection, landing_dir: Path, landed: list[tuple[str, str]]) -> None:
    """Read and store the people of the files in `landed` that the cache does not hold yet."""
    db.register("present", pa.table({"source": [s for s, _ in landed], "sha256": [h for _, h in landed]}))
    cached = set(db.execute("SELECT source, sha256 FROM found JOIN present USING (source, sha256)").fetchall())
    new = [key for key in landed if key not in cached]
    to_read = list(zip(new, _inputs(landing_dir, new), strict=True))
    for start in range(0, len(to_read), BATCH_FILES):
        _store(db, to_read[start : start + BATCH_FILES])


def fill(landing_dir: Path, cache_dir: Path, source: str) -> int:
    """The raw load's share of the gate: the people of every landed `source` file not cached yet, read
    while the load reads the same files (pipelines/assets/ingest.py runs it beside the load, in its own
    process). Returns how many files the cache holds for the source. The gate still reads any file this
    missed (another process held the cache, or the readers changed since): `collect_landed`."""
    if source not in READERS:
        return 0
    landed = _landed_of(landing_dir, source)
    with _open(cache_dir) as db:
        _store_new(db, landing_dir, landed)
        return db.execute("SELECT count(*) FROM found WHERE source = ?", [source]).fetchall()[0][0]


class FromTheLoad:
    """The rows the raw load's readers make of the files they parse (`PARSED_READERS`), stored as they come
    (every BATCH_FILES files). The cache is opened on the first rows: a load that hands none leaves it to
    `fill`'s process. Nothing is stored when another process holds it: the gate then reads those files
    itself (`collect_landed`), as it reads any file the load did not parse."""

    def __init__(self, cache_dir: Path):
        self._cache_dir = cache_dir
        self._db: duckdb.DuckDBPyConnection | None = None
        self._held_elsewhere = False
        self._waiting: list[pa.Table] = []

    def add(self, table: pa.Table) -> None:
        self._waiting.append(table)
        if sum(len(t) for t in self._waiting) >= BATCH_FILES:
            self._flush()

    def _flush(self) -> None:
        if self._waiting and self._db is None and not self._held_elsewhere:
            try:
                self._db = _open(self._cache_dir)
            except duckdb.IOException:
                self._held_elsewhere = True
        if self._db is not None and self._waiting:
            _insert(self._db, pa.concat_tables(self._waiting))
        self._waiting = []

    def __enter__(self) -> FromTheLoad:
        return self

    def __exit__(self, *exc_info) -> None:
        self._flush()
        if self._db is not None:
            self._db.close()


def collect_landed(landing_dir: Path, cache_dir: Path) -> People:
    """`people.collect(landing_dir)`, reading each landed file once ever; the cache lives in `cache_dir`."""
    landed = _landed(landing_dir)
    try:
        db = _open(cache_dir)
    except duckdb.IOException:  # another process holds the cache: read the same files, as without one
        people = People()
        for item in _inputs(landing_dir, landed):
            if item is not None:
                people.update(read_people(item))
        return people
    with db:
        _store_new(db, landing_dir, landed)
        people = People()
        for column, values in (("personal", people.personal), ("public", people.public), ("ledger", people.ledger)):
            query = f"SELECT DISTINCT unnest({column}) FROM found JOIN present USING (source, sha256)"
            values.update(value.decode("utf-8", "surrogatepass") for (value,) in db.execute(query).fetchall())
        query = "SELECT DISTINCT unnest(unreadable) FROM found JOIN present USING (source, sha256)"
        people.unreadable.update(value for (value,) in db.execute(query).fetchall())
        return people
