"""A hub's intake of one member: fetch its newest release, land the bytes under their SHA-256, unpack,
verify with the same code as `togetheros verify` against the member's pinned key and the last release
accepted from it, and record the decision in the hub state. Nothing reads a release before it is accepted.

Per member, under the hub's data directory:

    landing/federation-<member>/files/<sha256>.zip   every zip fetched, unchanged (like any inbox file)
    federation/members/<member>/releases/<id>/        the releases accepted from it, oldest to newest: the
                                                      chain the next release must descend from
    federation/members/<member>/refused/<id>-<sha8>/  what was refused, kept for the operator (never read)
    federation/members/<member>/state.json            the decisions (pipelines.federation.state)
    federation/members/<member>/extracts/<id>.json    the opened, verified private extract of the accepted
                                                      release (pipelines.federation.extract), if any
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from nacl.public import PrivateKey

from pipelines.federation import extract
from pipelines.federation.config import Member
from pipelines.federation.state import HubState, MemberState
from pipelines.landing import CHUNK, Landing
from pipelines.release import layout
from pipelines.release.archive import release_zip, unpack_release_zip
from pipelines.release.hashing import sha256_file
from pipelines.release.trust import verify_member_release
from pipelines.release.verify import Accepted
from pipelines.sources.http import RETRY_STATUSES, public_url

MAX_CATCH_UP = 20  # releases fetched back from a member's newest to reach the last one accepted


class Refused(Exception):
    def __init__(self, refusal: str, reason: str):
        super().__init__(reason)
        self.refusal, self.reason = refusal, reason


class Offline(Exception):
    """The member's releases could not be fetched (its server is down, the folder is gone)."""


class Absent(Offline):
    """The server answered that there is no such file (HTTP 404)."""


Fetch = Callable[[str], tuple[Path, str]]


def download(url: str, target: Path, max_bytes: int, timeout: float = 30, attempts: int = 3) -> None:
    """Stream url into the file target, never more than max_bytes: a Content-Length over it, or a body
    that runs past it, is refused (Refused "size", the partial file removed). Connection failures and
    5xx are retried; failing for good, the member is Offline."""
    shown = public_url(url)
    problem = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(0.2 * 2**attempt)
        try:
            with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
                if response.status_code in RETRY_STATUSES:
                    problem = f"HTTP {response.status_code}"
                    continue
                if response.status_code == 404:
                    raise Absent(f"{shown}: HTTP 404 Not Found")
                if response.status_code != 200:
                    raise Offline(f"{shown}: HTTP {response.status_code} {response.reason_phrase}")
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise Refused(
                        "size",
                        f"{shown}: {int(length)} bytes announced (Content-Length), more than this member's "
                        f"limit of {max_bytes} bytes (max_download_bytes in federation.yaml)",
                    )
                received = 0
                with target.open("wb") as out:
                    for chunk in response.iter_bytes(CHUNK):
                        received += len(chunk)
                        if received > max_bytes:
                            raise Refused(
                                "size",
                                f"{shown}: sent more than this member's limit of {max_bytes} bytes "
                                "(max_download_bytes in federation.yaml); download stopped",
                            )
                        out.write(chunk)
                return
        except (httpx.TransportError, httpx.StreamError) as error:
            problem = f"connection failed ({type(error).__name__})"
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    target.unlink(missing_ok=True)
    raise Offline(f"{shown}: {problem} (gave up after {attempts} attempts)")


def fetcher(member: Member, download_dir: Path, timeout: float = 30) -> Fetch:
    """fetch(name) -> (a zip file in download_dir, where from) for `latest` or a release id, from a
    folder or over HTTP; the caller moves or removes the file."""

    def fetch(name: str) -> tuple[Path, str]:
        download_dir.mkdir(parents=True, exist_ok=True)
        target = download_dir / f".download-{uuid.uuid4().hex}.zip"
        if member.is_http:
            url = f"{member.releases}/{name}.zip"
            download(url, target, member.max_download_bytes, timeout)
            return target, public_url(url)
        folder = Path(member.releases) / name
        if not (folder / layout.DESCRIPTOR).is_file():
            raise Offline(f"{folder}: no release there")
        resolved = folder.resolve()
        target.write_bytes(release_zip(resolved, resolved.name))
        return target, str(folder)

    return fetch


FetchExtract = Callable[[str], bytes | None]


def extract_fetcher(member: Member, download_dir: Path, timeout: float = 30) -> FetchExtract:
    """fetch_extract(release id) -> the bytes of the member's `<id>.extract`, or None if it has none."""

    def fetch_extract(release_id: str) -> bytes | None:
        if not member.is_http:
            path = extract.extract_path(Path(member.releases), release_id)
            return path.read_bytes() if path.is_file() else None
        download_dir.mkdir(parents=True, exist_ok=True)
        target = download_dir / f".download-{uuid.uuid4().hex}{extract.SUFFIX}"
        try:
            download(f"{member.releases}/{release_id}{extract.SUFFIX}", target, extract.MAX_EXTRACT_BYTES, timeout)
            return target.read_bytes()
        except Absent:
            return None
        finally:
            target.unlink(missing_ok=True)

    return fetch_extract


@dataclass(frozen=True)
class IntakeResult:
    member: str
    outcome: str  # accepted | unchanged | refused | offline
    release_id: str | None
    refusal: str | None = None
    reason: str | None = None


class MemberIntake:
    def __init__(
        self, member: Member, hub_dir: Path, landing_dir: Path, state: HubState, box_key: PrivateKey | None = None
    ):
        self.member = member
        self.box_key = box_key  # the hub's private box key: without it, no extract is fetched
        self.folder = hub_dir / "members" / member.name
        self.releases = self.folder / "releases"
        self.landing_dir = landing_dir
        self.state = state
        self.entry: MemberState = state.member(member.name)

    def run(
        self, fetch: Fetch | None = None, now: datetime | None = None, fetch_extract: FetchExtract | None = None
    ) -> IntakeResult:
        now = now or datetime.now(UTC)
        fetch = fetch or fetcher(self.member, self.folder)
        self.fetch_extract = fetch_extract or extract_fetcher(self.member, self.folder)
        self.releases.mkdir(parents=True, exist_ok=True)
        for left in self.folder.glob(".download-*"):  # by a crash mid-download
            left.unlink()
        self._set_aside_unaccepted()
        try:
            data, origin = fetch(layout.LATEST)
        except Offline as error:
            return self._record(now, IntakeResult(self.member.name, "offline", None, "offline", str(error)))
        except Refused as error:
            return self._record(now, IntakeResult(self.member.name, "refused", None, error.refusal, error.reason))
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
        if result.outcome in ("accepted", "unchanged"):
            self._take_extract(now)
        self.state.save(self.member.name)
        return result

    def _take_extract(self, now: datetime) -> None:
        """The accepted release's private extract, if the member serves one and the hub has a box key:
        opened, its signature checked with the member's key in effect, its binding to the accepted
        release checked, and kept under extracts/. A refusal is recorded; the release stays accepted and
        the roll-up falls back to the public lower bound for this member."""
        accepted = self.entry.accepted
        if self.box_key is None or accepted is None:
            return
        known = self.entry.extract
        if known.get("release_id") == accepted.release_id and known.get("outcome") == "accepted":
            return
        kept = self.folder / "extracts" / f"{accepted.release_id}.json"
        try:
            sealed = self.fetch_extract(accepted.release_id)
            if sealed is None:
                self.entry.extract_checked(now, accepted.release_id, "absent")
                return
            payload, _ = extract.open_extract(
                sealed, self.box_key, accepted.public_key, accepted.release_id, accepted.descriptor_sha256
            )
        except Offline as error:
            self.entry.extract_checked(now, accepted.release_id, "refused", "extract fetch", str(error))
            return
        except (Refused, extract.ExtractRefused) as error:
            self.entry.extract_checked(now, accepted.release_id, "refused", error.refusal, error.reason)
            return
        kept.parent.mkdir(parents=True, exist_ok=True)
        for old in kept.parent.glob("*.json"):  # only the accepted release's extract is ever read
            old.unlink()
        temporary = kept.with_name(f".{kept.name}.tmp")
        temporary.write_bytes(payload)
        os.replace(temporary, kept)
        self.entry.extract_checked(now, accepted.release_id, "accepted")

    def _land(self, download: Path, name: str, origin: str) -> tuple[str, Path]:
        with Landing(self.landing_dir, f"federation-{self.member.name}") as landing:
            landed, _ = landing.land_download(download, f"{name}.zip", origin)
        return landed.sha256, landed.path(self.landing_dir)

    def _unpack(self, data: Path, origin: str, fetch: Fetch) -> list[str]:
        """The new releases unpacked into the member's chain folder, oldest first ([] if nothing new):
        the newest, then its predecessors fetched by id until one already accepted (or the first)."""
        pending: list[str] = []
        while True:
            sha, landed = self._land(data, pending[0] if pending else layout.LATEST, origin)
            scratch = self.folder / f".unpack-{sha[:16]}"
            shutil.rmtree(scratch, ignore_errors=True)
            try:
                unpacked = unpack_release_zip(landed, scratch, origin)
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


def accepted_extract(hub_dir: Path, member: str, entry: MemberState) -> dict | None:
    """The opened extract of the member's accepted release (what the exact roll-up reads), if accepted."""
    record, accepted = entry.extract, entry.accepted
    if accepted is None or record.get("outcome") != "accepted" or record.get("release_id") != accepted.release_id:
        return None
    path = hub_dir / "members" / member / "extracts" / f"{accepted.release_id}.json"
    return json.loads(path.read_bytes()) if path.is_file() else None
