"""The federation: one global group, two nations, their regions and city groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from demo.ids import uuids

# (region, [(city, relative size), ...]); the seed decides how many of each are used, in order.
NATIONS: list[dict] = [
    {
        "name": "Spain",
        "slug": "spain",
        "currency": "EUR",
        "locale": "es",
        "regions": [
            ("Catalonia", [("Barcelona", 5.0), ("Girona", 1.4), ("Sabadell", 1.3), ("Tarragona", 1.1)]),
            ("Valencian Community", [("Valencia", 3.2), ("Alicante", 1.5), ("Castelló", 1.0)]),
            ("Madrid Region", [("Madrid", 5.0), ("Getafe", 1.1), ("Alcalá de Henares", 1.2)]),
        ],
    },
    {
        "name": "United States",
        "slug": "usa",
        "currency": "USD",
        "locale": "en",
        "regions": [
            ("Pacific Northwest", [("Portland", 3.2), ("Seattle", 4.0), ("Eugene", 1.2), ("Olympia", 1.0)]),
            ("Great Lakes", [("Chicago", 5.0), ("Milwaukee", 1.5), ("Madison", 1.2), ("Detroit", 2.0)]),
            ("New England", [("Boston", 3.0), ("Providence", 1.2), ("Burlington", 1.0)]),
        ],
    },
]

LEVELS = ("global", "national", "regional", "local")


def slugify(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


@dataclass(frozen=True)
class Group:
    index: int
    group_id: str
    slug: str
    name: str
    type: str  # global | national | regional | local
    parent: int | None  # index of the parent group
    nation: int  # index into NATIONS (-1 for the global group)
    size: float = 0.0  # relative size, city groups only

    @property
    def is_city(self) -> bool:
        return self.type == "local"


@dataclass
class Federation:
    groups: list[Group]
    children: dict[int, list[int]] = field(default_factory=dict)

    @property
    def cities(self) -> list[Group]:
        return [g for g in self.groups if g.is_city]

    def of_type(self, kind: str) -> list[Group]:
        return [g for g in self.groups if g.type == kind]

    def currency(self, group: Group) -> str:
        return NATIONS[group.nation]["currency"] if group.nation >= 0 else "USD"

    def ancestors(self, index: int) -> list[int]:
        chain = []
        parent = self.groups[index].parent
        while parent is not None:
            chain.append(parent)
            parent = self.groups[parent].parent
        return chain

    def city_ancestor_table(self) -> np.ndarray:
        """For each group index: the array of city indexes (into self.groups) below or equal to it."""
        below = np.zeros((len(self.groups), len(self.groups)), dtype=bool)
        for group in self.groups:
            if group.is_city:
                for index in [group.index, *self.ancestors(group.index)]:
                    below[index, group.index] = True
        return below


def build_federation(rng: np.random.Generator, cities: int | None = None) -> Federation:
    """The demo federation; with `cities`, that many city groups: the named ones, then more spread over
    the same regions in turn, their sizes falling off as 1/rank (a few large cities, a long tail)."""
    wanted = cities  # the loop below reuses the name for a region's cities
    group_ids = iter(uuids(rng, 64))
    groups: list[Group] = []

    def add(slug: str, name: str, kind: str, parent: int | None, nation: int, size: float = 0.0) -> int:
        groups.append(Group(len(groups), next(group_ids), slug, name, kind, parent, nation, size))
        return len(groups) - 1

    root = add("federation", "TogetherOS Federation", "global", None, -1)
    for nation_index, nation in enumerate(NATIONS):
        national = add(nation["slug"], f"TogetherOS {nation['name']}", "national", root, nation_index)
        region_count = int(rng.integers(2, len(nation["regions"]) + 1))
        for region_name, cities in nation["regions"][:region_count]:
            region = add(slugify(region_name), f"{region_name} Network", "regional", national, nation_index)
            city_count = int(rng.integers(2, len(cities) + 1))
            for city_name, size in cities[:city_count]:
                add(slugify(city_name), f"{city_name} Commons", "local", region, nation_index, size)
    named = sum(g.is_city for g in groups)
    if wanted is not None and wanted < named:
        raise ValueError(f"cities must be at least {named} (the named cities), got {wanted}")
    regions = [g for g in groups if g.type == "regional"]
    if wanted is not None and wanted > named:  # drawn only when asked: the default federation stays as it was
        group_ids = chain(group_ids, uuids(rng, wanted - named))
    for rank in range(named, wanted or named):
        region = regions[rank % len(regions)]
        number = rank // len(regions)
        name = f"{region.name.removesuffix(' Network')} {number}"
        add(slugify(name), f"{name} Commons", "local", region.index, region.nation, 5.0 / (rank + 1))
    children: dict[int, list[int]] = {g.index: [] for g in groups}
    for group in groups:
        if group.parent is not None:
            children[group.parent].append(group.index)
    return Federation(groups, children)
