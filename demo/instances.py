"""A small federation of instances (`togetheros demo --federation DIR`): three city instances, each its
own data dir, demo community (its own seed: disjoint people and groups) and signing key, and a hub whose
federation.yaml pins their keys:

    DIR/cities/<city>/inbox/...           a city's native exports (run its pipeline with --data-dir)
    DIR/cities/<city>/keys/               its development signing key, and for the private federation
                                          extract: the federation's shared pseudonym key
                                          (federation-pseudonym.key) and the hub's public box key (hub-box.pub)
    DIR/hub/inbox/community/federation.yaml
    DIR/hub/keys/federation-box.key       the hub's private box key (opens the cities' extracts)
"""

from __future__ import annotations

import secrets
from pathlib import Path

import yaml

from demo.generate import generate
from pipelines.federation import extract
from pipelines.release.signing import SigningKeyConfig

CITY_SEEDS = {"aurora": 31, "borealis": 32, "cascadia": 33}
HUB_GROUPS = [
    {"id": "federation", "name": "Demo Federation", "level": "global"},
    {"id": "north", "name": "North Network", "level": "national", "parent": "federation"},
    {"id": "south", "name": "South Network", "level": "national", "parent": "federation"},
]
CITY_GROUPS = {"aurora": "north", "borealis": "north", "cascadia": "south"}


def write_federation(root: Path, **demo) -> dict:
    """Write the cities' inboxes and keys and the hub's federation.yaml; returns each city's summary."""
    root = Path(root).resolve()
    summaries, members = {}, []
    box_public = extract.public_key_text(extract.hub_box_key(root / "hub" / "keys", create=True))
    federation_key = secrets.token_hex(32)  # shared by the members: the same email, the same pseudonym
    for city, seed in CITY_SEEDS.items():
        data_dir = root / "cities" / city
        summaries[city] = generate(data_dir / "inbox", seed=seed, **demo)
        key = SigningKeyConfig.from_env({}, data_dir)  # the city's development key, created once
        (data_dir / "keys").mkdir(parents=True, exist_ok=True)
        for name, text in ((extract.FEDERATION_KEY_FILE, federation_key), (extract.HUB_BOX_PUBLIC_FILE, box_public)):
            (data_dir / "keys" / name).write_text(text + "\n")
            (data_dir / "keys" / name).chmod(0o600)
        members.append(
            {
                "name": city,
                "releases": f"../../../cities/{city}/releases",
                "group": CITY_GROUPS[city],
                "public_key": key.public_key_file_text(),
                "max_age_days": 400,  # the demo's data ends when its calendar ends
            }
        )
    community = root / "hub" / "inbox" / "community"
    community.mkdir(parents=True, exist_ok=True)
    document = {"hub": {"name": "Demo Federation"}, "groups": HUB_GROUPS, "members": members}
    (community / "federation.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return summaries
