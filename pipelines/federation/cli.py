"""`togetheros federation refresh|status`: the hub's command line (no Dagster needed).

    togetheros federation refresh [--data-dir DIR]   intake every member, publish the hub's release
    togetheros federation status [--data-dir DIR]    every member: key, last accepted release, age, refusals
    togetheros federation box-key [--data-dir DIR]   the hub's box key for private extracts (made once):
                                                     prints the public key members set as
                                                     TOGETHEROS_HUB_BOX_PUBLIC_KEY
    togetheros federation verify HUB_RELEASE --member NAME=FOLDER ...   re-verify cited members, recompute

The hub is configured by DIR/inbox/community/federation.yaml (pipelines.federation.config)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from pipelines.federation.config import FederationConfigError, config_path, load_config
from pipelines.federation.extract import hub_box_key, public_key_text
from pipelines.federation.hub import hub_dir, refresh_hub
from pipelines.federation.state import HubState
from pipelines.release.signing import SigningKeyConfig
from pipelines.settings import Paths, git_commit, min_count


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="togetheros federation", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("refresh", "intake every member and publish the hub's release"),
        ("status", "show members"),
        ("box-key", "make (once) and print the hub's public box key for private extracts"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--data-dir", type=Path, default=None, help="the hub's data directory (default: ./data)")
    return parser


def status_lines(paths: Paths, now: datetime) -> list[str]:
    config = load_config(config_path(paths.inbox / "community"))
    state = HubState.load(hub_dir(paths))
    lines = []
    for member in config.members:
        entry = state.member(member.name)
        accepted = entry.accepted
        age = entry.age_days(now)
        shown = f"{accepted.release_id} (key {accepted.key_id}, data {age:.0f} days old)" if accepted else "nothing yet"
        lines.append(f"{member.name}: {entry.status(now, member.max_age_days)}; accepted {shown}")
        for refusal in entry.refusals[-3:]:
            when, what = refusal["at"], refusal["release_id"]
            lines.append(f"  refused {when} {what}: {refusal['refusal']}: {refusal['reason']}")
        extract = entry.extract
        if extract:
            refused = f": {extract['refusal']}: {extract['reason']}" if extract["outcome"] == "refused" else ""
            lines.append(f"  extract of {extract['release_id']}: {extract['outcome']} {extract['at']}{refused}")
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["verify"]:  # the auditor's check: its own arguments
        from pipelines.federation.audit import main as verify

        return verify(argv[1:])
    args = build_parser().parse_args(argv)
    paths = Paths.at(args.data_dir) if args.data_dir else Paths.from_env(os.environ)
    try:
        if args.command == "status":
            print("\n".join(status_lines(paths, datetime.now(UTC))))
            return 0
        if args.command == "box-key":
            print(public_key_text(hub_box_key(paths.keys, create=True)))
            return 0
        config = load_config(config_path(paths.inbox / "community"))
        refresh = refresh_hub(
            config,
            paths,
            SigningKeyConfig.from_env(os.environ, paths.data),
            min_count(os.environ),
            code_commit=git_commit(),
        )
    except (FederationConfigError, ValueError) as error:
        print(f"federation: {error}", file=sys.stderr)
        return 2
    for result in refresh.intake:
        detail = f": {result.refusal}: {result.reason}" if result.refusal else ""
        print(f"{result.member}: {result.outcome} {result.release_id or ''}{detail}")
    if refresh.release is None:
        print("no member release accepted yet: nothing published", file=sys.stderr)
        return 1
    print(f"hub release {refresh.release.name} published in {paths.releases}")
    return 0
