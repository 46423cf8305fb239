"""The raw load's parsers in worker processes: while the loading process writes one batch of a source's
files (or one file) into DuckDB, READ_WORKERS other processes parse the next ones. Results come back in
the order the files would be read in one process, so what is written, and every outcome, is the same.

Used when parsing a source's new files reads at least PARALLEL_BYTES (a ZIP's members count
uncompressed: `parsed_bytes`; about 2 s of Discourse pages in one process, 7 s of Open Collective's CSV):
starting the workers (a new interpreter each, not a fork: the loading process holds DuckDB connections
and Dagster's threads) costs about 0.5 s and each its own memory, more than a day's few files gain from
them. At 10M events, 256 MiB left Open Collective (64 MB,
13.5 s) and TimeOverflow (48 MB, 6.5 s) in one process; with workers, 10.1 and 4.3 s.
A file a source reads in slices (a table of millions of rows) has its slices parsed by the workers too
(`map_in_order`), one slice per worker at a time so memory stays nearly flat; a slice's duplicate keys
depend on the slices before it, so the loading process still folds them, in order. The members of a
Decidim ZIP export are handed out the same way, and the Discourse pages' people come back with their rows
(`read_unit_and_people`)."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa

from pipelines.privacy import people_cache
from pipelines.privacy.people import PARSED_READERS, People, read_parsed
from pipelines.sources import parser
from pipelines.sources.contracts import Checked
from pipelines.sources.limits import Limits, active
from pipelines.sources.quarantine import FileRefused, as_refusal

READ_WORKERS = 2  # the machine's cores: the loading process mostly waits on DuckDB meanwhile
PARALLEL_BYTES = 32 * 1024 * 1024

# one unit of reading: the (path, file name, landing sha256) of a batch of small files, or of one file
Unit = list[tuple[Path, str, str]]
Parts = list[dict[str, Checked]]
PeopleSink = Callable[[pa.Table], None]  # takes `people_cache.rows`
T = TypeVar("T")


def read_unit(source: str, unit: Unit, batch: bool) -> Parts:
    """What the loading process would read of the unit: `parse_batch` of a batch, `parse` of one file."""
    module = parser(source)
    return [module.parse_batch(unit)] if batch else [module.parse(*unit[0])]


def read_unit_and_people(source: str, unit: Unit, batch: bool) -> tuple[Parts, pa.Table]:
    """`read_unit`, and the privacy gate's people of each file its parser read (`people_cache.rows`), found
    in the data as parsed: reading each page again beside the load cost more than parsing it."""
    found: dict[str, People] = {}

    def seen(landing_sha256: str, data: Any) -> None:
        found[landing_sha256] = read_parsed(source, data)

    module = parser(source)
    parts = [module.parse_batch(unit, seen)] if batch else [module.parse(*unit[0], seen)]
    return parts, people_cache.rows(source, found)


_worker_settings = ExitStack()  # held for the worker's life: a context dropped would undo its setting


def _start_worker(limits: Limits, parsing: Callable[[], AbstractContextManager]) -> None:
    # the loading process's limits and parser settings
    _worker_settings.enter_context(active(limits))
    _worker_settings.enter_context(parsing())


def _read_in_worker(read: Callable[[str, Unit, bool], T], source: str, unit: Unit, batch: bool) -> T | FileRefused:
    try:
        return read(source, unit, batch)
    except Exception as error:  # noqa: BLE001 - the unit's refusal, made here: not every error pickles
        return as_refusal(error, source)


class Readers:
    """Units read ahead by `workers` processes (none: here, when asked), handed back in order by `parts`;
    at most two per worker wait at once, so memory holds only a few units' rows. With `people`, a source
    in `PARSED_READERS` also hands it the people of each file read (`read_unit_and_people`)."""

    def __init__(
        self,
        source: str,
        units: list[Unit],
        batch: bool,
        limits: Limits,
        parsing=nullcontext,
        workers: int = 0,
        people: PeopleSink | None = None,
    ):
        self.source, self.batch = source, batch
        self._people = people if source in PARSED_READERS else None
        self._read = read_unit if self._people is None else read_unit_and_people
        self._pool: ProcessPoolExecutor | None = None  # none: every unit is read in this process
        self._workers = workers
        if workers:
            spawn = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                workers, mp_context=spawn, initializer=_start_worker, initargs=(limits, parsing)
            )
        self._units = iter(units)
        self._ahead: deque[tuple[Unit, Future]] = deque()
        self._limit = 2 * workers
        self._fill()

    def _fill(self) -> None:
        while self._pool is not None and len(self._ahead) < self._limit:
            if (unit := next(self._units, None)) is None:
                return
            if (future := self._submit(_read_in_worker, (self._read, self.source, unit, self.batch))) is not None:
                self._ahead.append((unit, future))

    def parts(self, unit: Unit) -> Parts:
        """The parts of `unit` (one of the units given, asked for in their order), read by a worker (here,
        if none read it); raises its refusal as reading it here would. A unit not asked for is dropped."""
        future = None
        while self._ahead and future is None:
            expected, waiting = self._ahead.popleft()
            future = waiting if expected is unit else None
        self._fill()
        return self._handed(self._result(self._read, (self.source, unit, self.batch), future))

    def here(self, unit: Unit) -> Parts:
        """The parts of `unit`, read in this process (a batch that failed, read again file by file)."""
        return self._handed(self._read(self.source, unit, self.batch))

    def _handed(self, read: Parts | tuple[Parts, pa.Table] | FileRefused) -> Parts:
        if isinstance(read, FileRefused):
            raise read
        if self._people is None:
            return read
        parts, people = read
        self._people(people)
        return parts

    def map_in_order(self, function: Callable[..., T], arguments: Iterable[tuple]) -> Iterator[T]:
        """`function(*each)` of each of `arguments` (read lazily), in order: computed by the workers, one
        each at a time (its arguments kept until its result arrives); here without workers, or once one
        died. `function` raises here as it would have raised here."""
        pending: deque[tuple[tuple, Future | None]] = deque()
        for each in arguments:
            pending.append((each, self._submit(function, each)))
            while pending and (len(pending) > self._workers or pending[0][1] is None):
                yield self._result(function, *pending.popleft())
        while pending:
            yield self._result(function, *pending.popleft())

    def _submit(self, function: Callable, arguments: tuple) -> Future | None:
        """`function(*arguments)` handed to a worker; None when there is none (or none left)."""
        if self._pool is None:
            return None
        try:
            return self._pool.submit(function, *arguments)
        except BrokenProcessPool:  # a worker died (killed, out of memory): the rest is read here
            self._pool = None
            return None

    def _result(self, here: Callable[..., T], arguments: tuple, future: Future | None) -> T:
        """The worker's result, or `here(*arguments)` when no worker had it or its worker died."""
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:  # a worker died: this and the rest here
                self._pool = None
        return here(*arguments)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Readers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
