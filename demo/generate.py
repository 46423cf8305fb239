"""Generate the demo federation's native-format exports into an inbox folder.

    generate(Path("data/inbox"), seed=7, members=3000)

Same parameters ⇒ byte-identical files. Only the source folders below are wiped and rewritten, and
the canaries are written as the privacy gate's extra terms of the data directory the inbox is in
(`Paths(inbox.parent).privacy_terms`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from demo import canaries, community, decidim, discourse, ledger, opencollective, timeoverflow, togetheros
from demo.calendar import Calendar
from demo.context import SOURCES, Context
from demo.federation import build_federation
from demo.people import build_population
from pipelines.settings import Paths

EVENTS_PER_MEMBER_YEAR = 40
# Community last: it maps the spaces and payees the other writers created.
WRITERS = {
    "togetheros": togetheros.write,
    "discourse": discourse.write,
    "decidim": decidim.write,
    "opencollective": opencollective.write,
    "ledger": ledger.write,
    "timeoverflow": timeoverflow.write,
    "community": community.write,
}
assert tuple(sorted(WRITERS)) == tuple(sorted(SOURCES))


def generate(
    inbox: Path,
    *,
    seed: int = 7,
    members: int = 3000,
    start: date = date(2025, 11, 1),
    end: date = date(2026, 10, 31),
    events: int | None = None,
    cities: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the demo community into `inbox`; return a summary (files, row counts, events, defects)."""
    if members < 50:
        raise ValueError(f"members must be at least 50 (got {members}): the federation needs people")
    calendar = Calendar.build(start, end)
    target = events if events is not None else round(members * EVENTS_PER_MEMBER_YEAR * calendar.years)
    if target < 1000:
        raise ValueError(f"events must be at least 1000 (got {target})")
    world = np.random.Generator(np.random.PCG64(seed))
    federation = build_federation(world, cities)
    people = build_population(world, federation, members)
    ctx = Context(Path(inbox), seed, calendar, federation, people, target, progress=progress or (lambda message: None))
    Path(inbox).mkdir(parents=True, exist_ok=True)
    for source, write in WRITERS.items():
        ctx.progress(f"{source}: writing")
        write(ctx)
    canaries.write_terms(Paths(Path(inbox).resolve().parent).privacy_terms)
    return {
        "seed": seed,
        "members": members,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "target_events": target,
        "events": sum(ctx.activity.values()),
        "events_by_source": dict(sorted(ctx.activity.items())),
        "files": {source: dict(sorted(files.items())) for source, files in sorted(ctx.files.items())},
        "rows": {source: sum(files.values()) for source, files in sorted(ctx.files.items())},
        "groups": len(federation.groups),
        "defects": ctx.defects,
    }
