"""The population: who exists, where they live, how active they are and which systems they use."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import polars as pl

from demo import names
from demo.canaries import CANARIES
from demo.federation import NATIONS, Federation

# Probability that a person has an account in a system, before the activity boost below.
PRESENCE = {"togetheros": 0.9, "discourse": 0.45, "decidim": 0.5, "opencollective": 0.12, "timeoverflow": 0.3}
ACTIVITY_SIGMA = 1.7  # lognormal spread: a few very active people, many occasional ones


def ascii_lower(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in plain if c.isalnum())


def dedupe(values: list[str], joiner: str) -> list[str]:
    """Make strings unique by numbering repeats: ana, ana2, ana3 (deterministic, in order)."""
    seen: dict[str, int] = {}
    out = []
    for value in values:
        count = seen.get(value, 0) + 1
        seen[value] = count
        out.append(value if count == 1 else f"{value}{joiner}{count}")
    return out


@dataclass
class Population:
    frame: pl.DataFrame  # one row per person (see build_population for columns)
    city: np.ndarray  # group index of each person's home city
    propensity: np.ndarray  # relative activity
    presence: dict[str, np.ndarray]

    def __len__(self) -> int:
        return self.frame.height

    def column(self, name: str) -> list:
        return self.frame[name].to_list()

    def pick(
        self,
        rng: np.random.Generator,
        n: int,
        source: str,
        cities: np.ndarray | None = None,
        weights: np.ndarray | None = None,
    ) -> np.ndarray:
        """n people present in `source` (optionally living in `cities`), weighted by activity."""
        mask = self.presence[source].copy()
        if cities is not None:
            mask &= np.isin(self.city, cities)
        pool = np.flatnonzero(mask)
        if len(pool) == 0 or n == 0:
            return np.empty(0, dtype=np.int64)
        weight = (self.propensity if weights is None else weights)[pool]
        return rng.choice(pool, size=n, p=weight / weight.sum())

    def pick_in_groups(
        self, rng: np.random.Generator, group_of_item: np.ndarray, source: str, below: np.ndarray
    ) -> np.ndarray:
        """One person per item, living under that item's group (below[g] = city mask), by activity."""
        people = np.full(len(group_of_item), -1, dtype=np.int64)
        for group in np.unique(group_of_item):
            rows = np.flatnonzero(group_of_item == group)
            people[rows] = self.pick(rng, len(rows), source, cities=np.flatnonzero(below[group]))
        return people


def build_population(rng: np.random.Generator, federation: Federation, members: int) -> Population:
    cities = federation.cities
    size = np.array([c.size for c in cities])
    home = rng.choice(len(cities), size=members, p=size / size.sum())
    # Canaries live where their phone numbers say: a US city, a Spanish city, another US city.
    us_cities = [i for i, c in enumerate(cities) if NATIONS[c.nation]["slug"] == "usa"]
    spanish_cities = [i for i, c in enumerate(cities) if NATIONS[c.nation]["slug"] == "spain"]
    home[: len(CANARIES)] = [us_cities[0], spanish_cities[0], us_cities[-1]][:members]
    city_index = np.array([cities[h].index for h in home])
    spanish = np.array([cities[h].nation == 0 for h in home])

    first = np.where(spanish, rng.choice(names.SPANISH_FIRST, members), rng.choice(names.ENGLISH_FIRST, members))
    last = np.where(spanish, rng.choice(names.SPANISH_LAST, members), rng.choice(names.ENGLISH_LAST, members))
    domain = np.where(
        spanish, rng.choice(names.SPANISH_EMAIL_DOMAINS, members), rng.choice(names.EMAIL_DOMAINS, members)
    )
    style = rng.integers(0, 3, size=members)
    handles, locals_ = [], []
    for f, la, s in zip(first.tolist(), last.tolist(), style.tolist(), strict=True):
        f_, l_ = ascii_lower(f), ascii_lower(la)
        handles.append([f"{f_}_{l_[0]}", f"{f_}{l_}", f"{f_[0]}{l_}"][s])
        locals_.append([f"{f_}.{l_}", f"{f_}{l_}", f"{f_[0]}.{l_}"][s])
    handles = dedupe(handles, "")
    emails = [f"{e}@{d}" for e, d in zip(dedupe(locals_, ""), domain.tolist(), strict=True)]
    phones = _phones(rng, home, cities)

    display = [f"{f} {la}" for f, la in zip(first.tolist(), last.tolist(), strict=True)]
    propensity = rng.lognormal(0.0, ACTIVITY_SIGMA, size=members)
    for i, canary in enumerate(CANARIES[:members]):  # canaries are real, fairly active members
        display[i], handles[i], emails[i], phones[i] = (
            canary["name"],
            canary["handle"],
            canary["email"],
            canary["phone"],
        )
        propensity[i] = max(propensity[i], np.quantile(propensity, 0.8))
    # Active people are more likely to hold accounts in more systems.
    boost = np.clip(np.log1p(propensity) / 2.0, 0, 0.4)
    presence = {source: rng.random(members) < np.clip(p + boost, 0, 0.98) for source, p in PRESENCE.items()}
    presence["decidim"] &= spanish  # the Decidim instance serves the Spanish cities
    presence["timeoverflow"] &= spanish  # TimeOverflow banks are Spanish; US cities keep plain hour sheets
    presence["hours"] = (~spanish) & (rng.random(members) < np.clip(0.3 + boost, 0, 0.95))
    for source in presence:
        allowed = spanish[: len(CANARIES)] if source in ("decidim", "timeoverflow") else True
        presence[source][: len(CANARIES)] = allowed
    presence["togetheros"][: len(CANARIES)] = True

    frame = pl.DataFrame(
        {
            "person": np.arange(members),
            "name": display,
            "first_name": first,
            "handle": handles,
            "email": emails,
            "phone": phones,
            "city": city_index,
            "spanish": spanish,
        }
    )
    return Population(frame, city_index, propensity, presence)


def _phones(rng: np.random.Generator, home: np.ndarray, cities: list) -> list[str]:
    """Spanish mobiles; US numbers in the fictional 555-01xx block of each city's area code."""
    phones = []
    digits = rng.integers(0, 10, size=(len(home), 8))
    for person, h in enumerate(home.tolist()):
        city = cities[h]
        d = "".join(map(str, digits[person]))
        if NATIONS[city.nation]["slug"] == "spain":
            phones.append(f"+34 6{d[0:2]} {d[2:5]} {d[5:8]}")
        else:
            area = names.US_AREA_CODES.get(city.name.replace(" Commons", ""), "555")
            phones.append(f"({area}) 555-01{d[0:2]}")
    return phones
