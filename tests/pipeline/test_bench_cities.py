"""`bench --cities N`: a federation of N city groups with members spread over them by size."""

from __future__ import annotations

import numpy as np
import pytest

from demo.federation import build_federation
from demo.people import build_population


def rng() -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(7))


def test_without_cities_the_demo_federation_is_unchanged():
    default, explicit = build_federation(rng()), build_federation(rng(), None)
    assert default.groups == explicit.groups and len(default.cities) == 10


def test_five_hundred_cities_under_the_regions_with_members_spread_by_size():
    federation = build_federation(rng(), 500)
    cities = federation.cities
    named = build_federation(rng()).groups
    assert len(cities) == 500 and federation.groups[: len(named)] == named  # the named ones come first
    assert len({g.group_id for g in federation.groups}) == len({g.slug for g in federation.groups}) == 507
    assert all(federation.groups[c.parent].type == "regional" for c in cities)
    assert all(c.index in federation.children[c.parent] for c in cities)

    people = build_population(rng(), federation, 25_000)
    position = {c.index: k for k, c in enumerate(cities)}
    members = np.bincount([position[i] for i in people.city.tolist()], minlength=500)
    # a few large cities, a long tail: the largest tenth holds most members, yet most cities have some
    largest_tenth = np.sort(members)[::-1][:50].sum()
    assert largest_tenth > members.sum() / 2
    assert (members > 0).sum() > 400


def test_fewer_cities_than_the_named_ones_is_refused():
    with pytest.raises(ValueError, match="cities must be at least 10"):
        build_federation(rng(), 3)
