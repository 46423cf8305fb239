"""Input limits: no shape of input may grow the raw load past its memory budget (4 GiB by default).

Each limit is an environment variable (`TOGETHEROS_LIMIT_<NAME>`, a plain number of bytes or of items;
`0` or unset keeps the default), read once into the `InputLimits` resource; docs/inputs.md lists them.
The raw load (`pipelines/raw.py`) enforces the ones that need no knowledge of a format before a
parser opens a file, so a file that breaks one is refused with the limit's rule and never read into memory:

- `file_bytes`: a file a parser reads whole (CSV, JSON page, journal). Reading a CSV whole costs about
  six to eight times its size (bytes, text, fields, frame); 256 MiB stays under 2 GiB.
- `streamed_file_bytes`: a file its parser reads a slice at a time (TogetherOS NDJSON tables), whose
  memory does not grow with the file.
- `line_bytes`: one line of a text file (a CSV row, an NDJSON record, a journal line). A single 500 MB
  NDJSON line drove the run to 7.9 GB before this limit.
- `records`: records read from one file (all entities).
- `files`: files one source loads in one run; the rest wait for the next run.
- `archive_members` / `archive_member_bytes` / `archive_bytes`: members of an archive (Decidim's open
  data ZIP), each member's and all members' uncompressed size.

JSON nesting has no setting: Python's decoder stops at its recursion limit (about 1,000 levels) and
the load refuses the file under `limit:json_depth`.

Fields have their limit in the contracts (`maxLength`, else `MAX_FIELD_CHARS` in `contracts.py`): an
oversized field quarantines its record, the rest of the file loads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 256 * MiB
    streamed_file_bytes: int = 64 * 1024 * MiB
    line_bytes: int = 16 * MiB
    records: int = 50_000_000
    files: int = 1_000_000
    archive_members: int = 1_000
    archive_member_bytes: int = 512 * MiB
    archive_bytes: int = 2048 * MiB

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"limit {f.name} ({env_name(f.name)}) must be a positive whole number, not {value!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Limits:
        """The limits `TOGETHEROS_LIMIT_<NAME>` set (`0` or empty keeps the default); the pipeline reads
        them once, into the `InputLimits` resource (`pipelines/assets/resources.py`)."""
        return cls(**{name: value for name, value in parse_env(env).items() if value})


def env_name(field_name: str) -> str:
    return f"TOGETHEROS_LIMIT_{field_name.upper()}"


def parse_env(env: Mapping[str, str]) -> dict[str, int]:
    """Each limit's variable as a number (`1_000` allowed; 0 for empty or unset, meaning the default);
    anything else is refused naming the variable."""
    values = {}
    for f in fields(Limits):
        text = env.get(env_name(f.name), "").strip().replace("_", "")
        try:
            value = int(text or 0)
        except ValueError:
            value = -1
        if value < 0:
            raise ValueError(
                f"{env_name(f.name)}={env.get(env_name(f.name))!r}: a limit is a whole number of bytes or items "
                "(0 or empty keeps the default)"
            )
        values[f.name] = value
    return values


_active = Limits()


def current() -> Limits:
    """The limits of the load in progress (`active`), for readers that enforce one themselves (archive
    members): a reader reads no environment, the raw load hands them over."""
    return _active


@contextmanager
def active(limits: Limits) -> Iterator[Limits]:
    global _active
    previous, _active = _active, limits
    try:
        yield limits
    finally:
        _active = previous


def describe_bytes(size: int) -> str:
    """A size as a person reads it: 512 MiB, 1.5 GiB, 300 bytes."""
    for unit, factor in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def longest_line(path, limit: int, chunk_size: int = 4 * MiB) -> tuple[int, int] | None:
    """(line number, bytes read of it) of the first line longer than `limit` bytes, or None. Streamed:
    memory is one chunk whatever the file holds. A line longer than `limit` spans at least
    `limit // chunk_size` chunks without a newline, so a running count per chunk finds it exactly."""
    chunk_size = min(chunk_size, max(limit, 1))
    run, line = 0, 1
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            first = chunk.find(b"\n")
            if first < 0:
                run += len(chunk)
                if run > limit:
                    return line, run
                continue
            if run + first > limit:
                return line, run + first
            line += chunk.count(b"\n")
            last = chunk.rfind(b"\n")
            # lines wholly inside the chunk are shorter than the chunk, hence than the limit
            run = len(chunk) - last - 1
            if run > limit:
                return line, run
    return None
