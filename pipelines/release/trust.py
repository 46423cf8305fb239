"""What an auditor (or a federation hub) keeps between checks: per community, the key it trusts and the
last release it accepted, so a later check refuses anything older or not descending from it (rollback and
fork protection in the manner of TUF).

The trust file (default ~/.config/togetheros/trusted.json; TOGETHEROS_TRUST_FILE or --trust-file elsewhere):

    {
      "format": "togetheros-trust/1",
      "communities": {
        "<name>": {
          "public_key": "<base64 ed25519 key in effect at the last accepted release>",
          "key_id": "<first 16 hex of its SHA-256>",
          "last_release": {"id": "<release id>", "descriptor_sha256": "<hex>", "created": "<UTC>"},
          "updated": "<UTC time of the check that recorded it>"
        }
      }
    }

Needs no Dagster. `verify_member_release` is the call for a hub: one folder, a pinned key, the last
accepted release; a structured decision with the refusal reason.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.release import layout
from pipelines.release.signing import key_id, parse_public_key
from pipelines.release.verify import Accepted, VerifyReport, print_report, verify_release

TRUST_FORMAT = "togetheros-trust/1"
TRUST_FILE_ENV = "TOGETHEROS_TRUST_FILE"


def default_trust_file(env: Mapping[str, str]) -> Path:
    if env.get(TRUST_FILE_ENV):
        return Path(env[TRUST_FILE_ENV]).expanduser()
    config = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "togetheros" / "trusted.json"


@dataclass
class TrustFile:
    path: Path
    communities: dict[str, Accepted]

    @classmethod
    def load(cls, path: Path) -> TrustFile:
        """The trust file at path (empty if there is none yet); ValueError if it is not one."""
        if not path.exists():
            return cls(path, {})
        try:
            document = json.loads(path.read_bytes())
            if document.get("format") != TRUST_FORMAT:
                raise ValueError(f"its format is not {TRUST_FORMAT!r}")
            communities = {}
            for name, entry in document.get("communities", {}).items():
                key = parse_public_key(entry["public_key"], f"{path}: {name}.public_key")
                last = entry["last_release"]
                communities[name] = Accepted(last["id"], last["descriptor_sha256"], last["created"], key)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"{path} is not a togetheros trust file: {error}") from None
        return cls(path, communities)

    def save(self) -> None:
        """Written whole to a temporary file and renamed over the old one: never half a trust file."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        document = {
            "format": TRUST_FORMAT,
            "communities": {
                name: {
                    "public_key": base64.b64encode(accepted.public_key).decode("ascii"),
                    "key_id": accepted.key_id,
                    "last_release": {
                        "id": accepted.release_id,
                        "descriptor_sha256": accepted.descriptor_sha256,
                        "created": accepted.created,
                    },
                    "updated": now,
                }
                for name, accepted in sorted(self.communities.items())
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(prefix=".trusted-", dir=self.path.parent)
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
        os.replace(temporary, self.path)


@dataclass(frozen=True)
class TrustDecision:
    """A hub's answer for one member release: accepted, or refused with the first reason."""

    accepted: bool
    refusal: str | None  # the failing check's name: "rollback", "fork", "key change", "pinned key", ...
    reason: str | None
    release_id: str | None
    key_id: str | None
    record: Accepted | None  # what to keep as the member's last accepted release
    report: VerifyReport


def verify_member_release(
    release_dir: Path,
    *,
    pinned_key: bytes | None,
    last_accepted: Accepted | None = None,
    walk_chain: bool = False,
) -> TrustDecision:
    """Verify a release folder against a member's pinned key and the last release accepted from it.

    With last_accepted the key in effect there is the pin (rotations since pinning are followed); without
    it, pinned_key. A release that nobody pinned is refused ("unpinned"): a hub reads only trusted data."""
    report = verify_release(
        release_dir,
        trusted_key=None if last_accepted is not None else pinned_key,
        last_accepted=last_accepted,
        walk_chain=walk_chain,
    )
    if report.ok and not report.pinned:
        report.fail("unpinned", "no pinned key and no last accepted release: who signed was not checked")
    first = report.problems[0] if report.problems else None
    return TrustDecision(
        accepted=report.ok,
        refusal=first.name if first else None,
        reason=first.message if first else None,
        release_id=report.release_id,
        key_id=key_id(report.signer_key) if report.signer_key else None,
        record=report.accepted(),
        report=report,
    )


def _declared_key_id(path: Path) -> str | None:
    folder = path.parent if path.name == layout.DESCRIPTOR else path
    try:
        return json.loads((folder / layout.DESCRIPTOR).read_bytes())["togetheros:signing"]["key_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _choose_community(
    trust: TrustFile, community: str | None, path: Path, given_key: bytes | None
) -> tuple[str | None, str | None]:
    """(community name, error): the named one, else the one whose key signed the release, else the only one."""
    if community is not None:
        return community, None
    if not trust.communities:
        return None, None
    wanted = {_declared_key_id(path)} | ({key_id(given_key)} if given_key else set())
    matches = [name for name, accepted in trust.communities.items() if accepted.key_id in wanted]
    if len(matches) == 1:
        return matches[0], None
    if len(trust.communities) == 1:
        return next(iter(trust.communities)), None
    if given_key is not None:
        return None, None  # a key for a community the trust file does not know yet
    return None, (
        f"{trust.path} holds {len(trust.communities)} communities ({', '.join(sorted(trust.communities))}) and "
        "none has the key this release names: say which with --community (or --no-trust-file)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="togetheros verify", description="Verify a TogetherOS data release.")
    parser.add_argument(
        "path", type=Path, help="the release folder (or its datapackage.json), e.g. data/releases/latest"
    )
    parser.add_argument("--key", type=Path, help="the community's public key file, got from a place you trust")
    parser.add_argument("--chain", action="store_true", help="also verify every earlier release, files included")
    parser.add_argument(
        "--trust-file",
        type=Path,
        default=None,
        help=f"where the last release accepted per community is kept (default: ${TRUST_FILE_ENV} or "
        "~/.config/togetheros/trusted.json)",
    )
    parser.add_argument("--no-trust-file", action="store_true", help="neither read nor write a trust file")
    parser.add_argument("--community", help="the trust file's name for this community (default: found by key)")
    parser.add_argument("--no-record", action="store_true", help="read the trust file but do not update it")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    given_key = None
    if args.key:
        try:
            given_key = parse_public_key(args.key.read_text(), str(args.key))
        except (OSError, ValueError) as error:
            print(f"cannot use the key file: {error}", file=sys.stderr)
            return 2
    trust = None
    if not args.no_trust_file:
        try:
            trust = TrustFile.load(args.trust_file or default_trust_file(os.environ))
        except ValueError as error:
            print(f"cannot use the trust file: {error}", file=sys.stderr)
            return 2
    community, last_accepted = None, None
    if trust is not None:
        community, error = _choose_community(trust, args.community, args.path, given_key)
        if error:
            print(f"NOT VERIFIED {args.path}: {error}")
            return 1
        last_accepted = trust.communities.get(community) if community else None
    if last_accepted is not None and given_key is not None and given_key != last_accepted.public_key:
        print(
            f"NOT VERIFIED {args.path}: the key you gave ({key_id(given_key)}) is not the key {trust.path} holds for "
            f"{community} ({last_accepted.key_id}, at release {last_accepted.release_id}). Rotations are followed "
            f"from there by themselves; to pin another key, remove {community} from the trust file or name a new "
            "--community"
        )
        return 1
    if last_accepted is not None:
        print(f"pinned by {trust.path}: community {community}, last accepted {last_accepted.release_id}")
    report = verify_release(
        args.path,
        trusted_key=None if last_accepted is not None else given_key,
        last_accepted=last_accepted,
        walk_chain=args.chain,
    )
    print_report(report)
    if trust is not None and not args.no_record and (accepted := report.accepted()) is not None:
        name = community or f"key-{key_id(given_key)}"
        if trust.communities.get(name) != accepted:
            trust.communities[name] = accepted
            trust.save()
            print(f"trust file {trust.path}: {accepted.release_id} is now the last release accepted from {name}")
    elif trust is not None and report.ok and not report.pinned:
        print(f"(nothing pinned in {trust.path}: run once with --key <the community's key> to pin it)")
    return 0 if report.ok else 1
