"""What every source writer gets: the world, seeded randomness, the event budget and the summary."""

from __future__ import annotations

import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from demo.calendar import Calendar
from demo.federation import Federation
from demo.people import Population

SOURCES = ("discourse", "decidim", "opencollective", "ledger", "timeoverflow", "togetheros", "community")


@dataclass
class Context:
    inbox: Path
    seed: int
    calendar: Calendar
    federation: Federation
    people: Population
    events: int  # target number of activity events, all sources
    progress: Callable[[str], None] = lambda message: None
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    activity: dict[str, int] = field(default_factory=dict)
    defects: list[dict[str, str]] = field(default_factory=list)
    # Filled in as writers run, read by later writers (community/space_groups.csv).
    spaces: list[tuple[str, str, str]] = field(default_factory=list)
    payees: dict[str, bool] = field(default_factory=dict)

    def rng(self, stream: str) -> np.random.Generator:
        """An independent generator per named stream, so one source's volume never shifts another's."""
        return np.random.Generator(np.random.PCG64([self.seed, zlib.crc32(stream.encode())]))

    def share(self, fraction: float, minimum: int = 1) -> int:
        return max(minimum, round(self.events * fraction))

    def folder(self, source: str) -> Path:
        """The source's inbox folder, emptied: the generator owns it entirely."""
        path = self.inbox / source
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def wrote(self, source: str, file_name: str, rows: int, events: int = 0) -> None:
        files = self.files.setdefault(source, {})
        files[file_name] = files.get(file_name, 0) + int(rows)
        self.activity[source] = self.activity.get(source, 0) + int(events)

    def defect(self, source: str, file_name: str, description: str) -> None:
        self.defects.append({"source": source, "file": file_name, "description": description})

    def space(self, source: str, space_id: str | int, group_index: int) -> None:
        self.spaces.append((source, str(space_id), self.federation.groups[group_index].group_id))
