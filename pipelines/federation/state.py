"""The hub state: what the hub accepted from each member and every decision it took, one file per member
(<data dir>/federation/members/<member>/state.json, written whole and renamed, never half a file; one
file each so that members' intakes can run at once):

    {
      "format": "togetheros-hub-state/1",
      "member": "<member>",
      "accepted": {"id", "descriptor_sha256", "created", "public_key", "key_id", "data_as_of", "at"} | null,
      "accepted_ids": ["<every release of its chain the hub holds, oldest first>"],
      "last_check": {"at", "outcome", "release_id", "refusal", "reason"},
      "refusals": [{"at", "release_id", "refusal", "reason"}, ...]   (the newest 20)
      "extract": {"at", "release_id", "outcome", "refusal", "reason"}  (the private extract of the
                 accepted release: accepted, absent or refused; {} when the hub has no box key)
    }

outcome is accepted, unchanged, refused or offline. A member that is offline or refused keeps its last
accepted release: the hub keeps publishing those figures, marked with their date."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipelines.release.verify import Accepted

STATE_FORMAT = "togetheros-hub-state/1"
KEPT_REFUSALS = 20


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, AttributeError):
        return None


@dataclass
class MemberState:
    accepted: Accepted | None = None
    data_as_of: str = ""
    accepted_at: str = ""
    accepted_ids: list[str] = field(default_factory=list)
    last_check: dict = field(default_factory=dict)
    refusals: list[dict] = field(default_factory=list)
    extract: dict = field(default_factory=dict)

    def extract_checked(self, now: datetime, release_id: str, outcome: str, refusal=None, reason=None) -> None:
        self.extract = {
            "at": utc_text(now),
            "release_id": release_id,
            "outcome": outcome,
            "refusal": refusal,
            "reason": reason,
        }

    def accept(self, record: Accepted, new_ids: list[str], data_as_of: str, now: datetime) -> None:
        self.accepted, self.data_as_of, self.accepted_at = record, data_as_of, utc_text(now)
        self.accepted_ids += [i for i in new_ids if i not in self.accepted_ids]

    def checked(self, now: datetime, outcome: str, release_id, refusal, reason) -> None:
        self.last_check = {
            "at": utc_text(now),
            "outcome": outcome,
            "release_id": release_id,
            "refusal": refusal,
            "reason": reason,
        }
        if outcome == "refused":
            entry = {"at": utc_text(now), "release_id": release_id, "refusal": refusal, "reason": reason}
            self.refusals = [*self.refusals, entry][-KEPT_REFUSALS:]

    def age_days(self, now: datetime) -> float | None:
        """How old the member's accepted data is (its data_as_of), in days; None before anything accepted."""
        moment = parse_utc(self.data_as_of) or (parse_utc(self.accepted.created) if self.accepted else None)
        return None if moment is None else (now - moment).total_seconds() / 86400

    def status(self, now: datetime, max_age_days: int) -> str:
        """current, stale (older than max age), offline (last fetch failed) or none (nothing accepted)."""
        if self.accepted is None:
            return "none"
        if self.last_check.get("outcome") == "offline":
            return "offline"
        age = self.age_days(now)
        return "stale" if age is not None and age > max_age_days else "current"

    def to_json(self) -> dict:
        accepted = None
        if self.accepted is not None:
            accepted = {
                "id": self.accepted.release_id,
                "descriptor_sha256": self.accepted.descriptor_sha256,
                "created": self.accepted.created,
                "public_key": base64.b64encode(self.accepted.public_key).decode("ascii"),
                "key_id": self.accepted.key_id,
                "data_as_of": self.data_as_of,
                "at": self.accepted_at,
            }
        return {
            "accepted": accepted,
            "accepted_ids": self.accepted_ids,
            "last_check": self.last_check,
            "refusals": self.refusals,
            "extract": self.extract,
        }

    @classmethod
    def from_json(cls, entry: dict) -> MemberState:
        accepted, data_as_of, at = None, "", ""
        if entry.get("accepted"):
            a = entry["accepted"]
            key = base64.b64decode(a["public_key"], validate=True)
            accepted = Accepted(a["id"], a["descriptor_sha256"], a["created"], key)
            data_as_of, at = a.get("data_as_of", ""), a.get("at", "")
        return cls(
            accepted,
            data_as_of,
            at,
            list(entry.get("accepted_ids", [])),
            dict(entry.get("last_check", {})),
            list(entry.get("refusals", [])),
            dict(entry.get("extract", {})),
        )


@dataclass
class HubState:
    hub_dir: Path
    members: dict[str, MemberState]

    @classmethod
    def load(cls, hub_dir: Path) -> HubState:
        members = {}
        for path in sorted(Path(hub_dir).glob("members/*/state.json")):
            try:
                document = json.loads(path.read_bytes())
                if document.get("format") != STATE_FORMAT:
                    raise ValueError(f"its format is not {STATE_FORMAT!r}")
                members[path.parent.name] = MemberState.from_json(document)
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
                raise ValueError(f"{path} is not a hub state file: {error}") from None
        return cls(Path(hub_dir), members)

    def member(self, name: str) -> MemberState:
        return self.members.setdefault(name, MemberState())

    def save(self, name: str) -> None:
        """Write one member's file (temporary file, then rename)."""
        path = self.hub_dir / "members" / name / "state.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"format": STATE_FORMAT, "member": name, **self.member(name).to_json()}
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps(document, indent=2) + "\n")
        os.replace(temporary, path)
