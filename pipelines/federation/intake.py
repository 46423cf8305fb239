"""A hub's intake of one member: fetch its newest release, land the bytes under their SHA-256, unpack,
verify with the same code as `togetheros verify` against the member's pinned key and the last release
accepted from it, and record the decision in the hub state. Nothing reads a release before it is accepted.

Per member, under the hub's data directory:

    landing/federation-<member>/files/<sha256>.zip   every zip fetched, unchanged (like any inbox file)
    federation/members/<member>/releases/<id>/        the releases accepted from it, oldest to newest: the
                                                      chain the next release must descend from
    federation/members/<member>/refused/<id>-<sha8>/  what was refused, kept for the operator (never read)
    federation/members/<member>/state.json            the decisions (pipelines.federation.state)
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.federation.config import Member
from pipelines.federation.state import HubState, MemberState
from pipelines.landing import Landing
from pipelines.release import layout
from pipelines.release.archive import release_zip, unpack_release_zip
from pipelines.release.hashing import sha256_file
from pipelines.release.trust import verify_member_release
from pipelines.release.verify import Accepted
from pipelines.sources.http import ApiClient, ApiError

MAX_CATCH_UP = 20  # releases fetched back from a member's newest to reach the last one accepted


class Refused(Exception):
    def __init__(self, refusal: str, reason: str):
        super().__init__(reason)
        self.refusal, self.reason = refusal, reason


class Offline(Exception):
    """The member's releases could not be fetched (its server is down, the folder is gone)."""


def fetcher(member: Member, timeout: float = 30) -> Callable[[str], tuple[bytes, str]]:
    """fetch(name) -> (zip bytes, where from) for `latest` or a release id, from a folder or over HTTP."""
    if member.is_http:

        def fetch_http(name: str) -> tuple[bytes, str]:
            client = ApiClient(member.releases, timeout=timeout, max_retries=2, backoff=0.2)
            with client:
                try:
                    return client.get(f"{name}.zip").content, client.url_for(f"{name}.zip")
                except ApiError as error:
                    raise Offline(str(error)) from None

        return fetch_http

    def fetch_folder(name: str) -> tuple[bytes, str]:
        folder = Path(member.releases) / name
        if not (folder / layout.DESCRIPTOR).is_file():
            raise Offline(f"{folder}: no release there")
        resolved = folder.resolve()
        return release_zip(resolved, resolved.name), str(folder)

    return fetch_folder


@dataclass(frozen=True)
class IntakeResult:
    member: str
    outcome: str  # accepted | unchanged | refused | offline
    release_id: str | None
    refusal: str | None = None
    reason: str | None = None


class MemberIntake:
    def __init__(self, member: Member, hub_dir: Path, landing_dir: Path, state: HubState):
        self.member = member
        self.folder = hub_dir / "members" / member.name
        self.releases = self.folder / "releases"
        self.landing_dir = landing_dir
        self.state = state
        self.entry: MemberState = state.member(member.name)

    def run(self, fetch: Callable[[str], tuple[bytes, str]] | None = None, now: datetime | None = None) -> IntakeResult:
        now = now or datetime.now(UTC)
        fetch = fetch or fetcher(self.member)
        self.releases.mkdir(parents=True, exist_ok=True)
        self._set_aside_unaccepted()
        try:
            data, origin = fetch(layout.LATEST)
        except Offline as error:
            return self._record(now, IntakeResult(self.member.name, "offline", None, "offline", str(error)))
        try:
            pending = self._unpack(data, origin, fetch)
        except Refused as error:
            return self._record(now, IntakeResult(self.member.name, "refused", None, error.refusal, error.reason))
        except ValueError as error:
            return self._record(now, IntakeResult(self.member.name, "refused", None, "archive", str(error)))
        if not pending:
            last = self.entry.accepted
            return self._record(now, IntakeResult(self.member.name, "unchanged", last.release_id if last else None))
        newest = pending[-1]
        decision = verify_member_release(
            self.releases / newest,
            pinned_key=self.member.public_key if self.entry.accepted is None else None,
            last_accepted=self.entry.accepted,
        )
        if not decision.accepted:
            for release_id in pending:
                self._set_aside(release_id)
            return self._record(
                now,
                IntakeResult(self.member.name, "refused", newest, decision.refusal, decision.reason),
            )
        descriptor = json.loads((self.releases / newest / layout.DESCRIPTOR).read_bytes())
        self.entry.accept(decision.record, pending, str(descriptor.get("togetheros:data_as_of") or ""), now)
        return self._record(now, IntakeResult(self.member.name, "accepted", newest))

    def _record(self, now: datetime, result: IntakeResult) -> IntakeResult:
        self.entry.checked(now, result.outcome, result.release_id, result.refusal, result.reason)
        self.state.save(self.member.name)
        return result

    def _land(self, data: bytes, name: str, origin: str) -> str:
        with Landing(self.landing_dir, f"federation-{self.member.name}") as landing:
            landed, _ = landing.land_bytes(data, f"{name}.zip", origin)
        return landed.sha256

    def _unpack(self, data: bytes, origin: str, fetch) -> list[str]:
        """The new releases unpacked into the member's chain folder, oldest first ([] if nothing new):
        the newest, then its predecessors fetched by id until one already accepted (or the first)."""
        pending: list[str] = []
        while True:
            sha = self._land(data, pending[0] if pending else layout.LATEST, origin)
            scratch = self.folder / f".unpack-{sha[:16]}"
            shutil.rmtree(scratch, ignore_errors=True)
            try:
                unpacked = unpack_release_zip(data, scratch, origin)
                release_id = unpacked.name
                if release_id.startswith(".") or release_id == layout.LATEST:
                    raise ValueError(f"{origin}: {release_id!r} is not a release id")
                if release_id in self.entry.accepted_ids:
                    if not pending:
                        self._check_known(release_id, unpacked, origin)
                    return pending  # reached the chain accepted so far (the verifier checks the link)
                if (self.releases / release_id).exists():  # left by a crash: unpacked again below
                    shutil.rmtree(self.releases / release_id)
                os.rename(unpacked, self.releases / release_id)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            pending.insert(0, release_id)
            previous = json.loads((self.releases / release_id / layout.DESCRIPTOR).read_bytes()).get(
                "togetheros:previous"
            )
            previous_id = previous.get("id") if isinstance(previous, dict) else None
            if self.entry.accepted is None or not previous_id or previous_id in self.entry.accepted_ids:
                return pending
            if len(pending) >= MAX_CATCH_UP:
                return pending  # the verifier says it cannot show descent
            try:
                data, origin = fetch(str(previous_id))
            except Offline:
                return pending  # the same: descent not shown, refused by the verifier

    def _check_known(self, release_id: str, unpacked: Path, origin: str) -> None:
        """The newest release is one accepted before: unchanged, or a rollback, or rewritten bytes."""
        if self._descriptor_sha(self.releases / release_id) != self._descriptor_sha(unpacked):
            raise Refused(
                "rewritten",
                f"{origin}: {release_id} is not the release accepted under that id (its descriptor changed)",
            )
        last = self.entry.accepted
        if last is not None and release_id != last.release_id:
            raise Refused(
                "rollback",
                f"{origin}: the newest release is {release_id}, older than {last.release_id} accepted "
                f"{self.entry.accepted_at}: a member's history only moves forward",
            )

    @staticmethod
    def _descriptor_sha(folder: Path) -> str | None:
        path = folder / layout.DESCRIPTOR
        return sha256_file(path) if path.is_file() else None

    def _set_aside_unaccepted(self) -> None:
        """A crash between unpacking and the decision leaves releases nobody accepted: set them aside."""
        for folder in sorted(p for p in self.releases.iterdir() if p.is_dir()):
            if folder.name not in self.entry.accepted_ids:
                self._set_aside(folder.name)

    def _set_aside(self, release_id: str) -> None:
        self._set_aside_folder(self.releases / release_id, release_id)

    def _set_aside_folder(self, folder: Path, release_id: str) -> None:
        if not folder.exists():
            return
        digest = self._descriptor_sha(folder) or "nodescriptor"
        target = self.folder / "refused" / f"{release_id}-{digest[:8]}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        os.rename(folder, target)


def accepted_release(hub_dir: Path, member: str, accepted: Accepted) -> Path:
    """The folder of the release last accepted from member (what the roll-up reads)."""
    return hub_dir / "members" / member / "releases" / accepted.release_id
