"""Landing: every inbox file or fetched API page stored once, unchanged, named by its SHA-256.

`data/landing/<source>/files/<sha256><suffix>` holds the bytes; `meta/<sha256>.json` says where and
when they came from. `index.json` maps each original name to its newest version's record (the same
fields as its meta file): that is the set the raw load reads, without opening a meta file per name.
Landing the same bytes twice changes nothing. `inbox_stat.json` remembers each inbox file's size and
times when it was hashed, so an unchanged file is not read again; `inbox_listing.json` remembers a digest
of the whole inbox listing (every name, size and time) and of the landing's own files, so a source whose
inbox did not change since it was landed costs its listing alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
LISTING_FILE = "inbox_listing.json"
LISTING_VERSION = 1  # bumped when what counts as an inbox file changes


@dataclass(frozen=True)
class LandedFile:
    sha256: str
    source: str
    file_name: str  # path relative to the source's inbox folder, or the API page name
    bytes: int
    landed_at: str
    origin: str  # inbox path or API url (never with credentials)
    cursor: str | None = None

    def path(self, landing_dir: Path) -> Path:
        return landing_dir / self.source / "files" / f"{self.sha256}{_suffix(self.file_name)}"

    def as_dict(self) -> dict:
        """Its fields in order: `dataclasses.asdict`'s deep copy is needless for scalars, and a sixth of
        landing a new file."""
        return dict(vars(self))


def _suffix(name: str) -> str:
    return Path(name).suffix


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_hashed(path: Path) -> tuple[str, bytes | None]:
    """The file's SHA-256 and, when it fits in one chunk (an API page), its bytes: a new page is then read
    once, not hashed and copied in two passes."""
    with path.open("rb") as handle:
        body = handle.read(CHUNK + 1)
    if len(body) > CHUNK:
        return _sha256_file(path), None
    return hashlib.sha256(body).hexdigest(), body


def _temporary(path: str | Path) -> str:
    """Where a file is written before one rename makes it `path`: hidden beside it."""
    head, name = os.path.split(path)
    return os.path.join(head, f".{name}.tmp")


def _write_atomic(path: str | Path, data: bytes) -> None:
    tmp = _temporary(path)
    with open(tmp, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def _write_new(path: str, data: bytes) -> None:
    """A landed file's bytes, written under their final name: no meta names them until they are whole, so a
    crash leaves bytes that the next landing writes again (one file created instead of a temporary one
    renamed). A file already there (such a leftover) is replaced atomically, as a reader may hold it."""
    try:
        with open(path, "xb") as out:
            out.write(data)
    except FileExistsError:
        _write_atomic(path, data)


class Landing:
    def __init__(self, landing_dir: Path, source: str):
        self.source = source
        self.landing_dir = landing_dir
        self.folder = landing_dir / source
        for folder in ("files", "meta"):
            (self.folder / folder).mkdir(parents=True, exist_ok=True)
        self.index_path = self.folder / "index.json"
        # read once, written once by flush(): rewriting it per file made landing quadratic
        self._index: dict[str, dict] = {}
        if self.index_path.exists():
            for name, entry in json.loads(self.index_path.read_text()).items():
                # an index written before it held records maps a name to a sha256 only
                self._index[name] = entry if isinstance(entry, dict) else self.record(entry).as_dict()
        self._index_changed = False
        # inbox path -> [size, mtime_ns, ctime_ns, sha256]: hashing every inbox file on every run reads it all
        self.stat_path = self.folder / "inbox_stat.json"
        self._stats_read: dict[str, list] | None = None  # read when first landing a file: readers never need it
        self._stats_changed = False
        self._records: dict[str, LandedFile] = {}  # meta files never change once written
        self._metas: set[str] | None = None  # the sha256 of every meta file, listed once when first asked

    def __enter__(self) -> Landing:
        return self

    def __exit__(self, *exc_info) -> None:
        self.flush()

    def flush(self) -> None:
        """Write the index; every file and its metadata are already on disk, so a crash before this
        loses nothing: the next run lands the same bytes again and records them."""
        if self._index_changed:
            _write_atomic(self.index_path, json.dumps(self._index, sort_keys=True).encode())
            self._index_changed = False
        if self._stats_changed:
            _write_atomic(self.stat_path, json.dumps(self._stats, sort_keys=True).encode())
            self._stats_changed = False

    @property
    def _stats(self) -> dict[str, list]:
        if self._stats_read is None:
            self._stats_read = json.loads(self.stat_path.read_text()) if self.stat_path.exists() else {}
        return self._stats_read

    def index(self) -> dict[str, str]:
        return {name: entry["sha256"] for name, entry in self._index.items()}

    def record(self, sha256: str) -> LandedFile:
        if sha256 not in self._records:
            with open(self._meta_path(sha256), encoding="utf-8") as meta:
                self._records[sha256] = LandedFile(**json.load(meta))
        return self._records[sha256]

    def _meta_path(self, sha256: str) -> str:
        # text, not Path: a Path per file was a tenth of landing 300,000 new pages
        return os.path.join(self.folder, "meta", f"{sha256}.json")

    def _has_meta(self, sha256: str) -> bool:
        """Whether a meta file describes `sha256`: one listing of the folder, not a stat per inbox file."""
        if self._metas is None:
            self._metas = {name.removesuffix(".json") for name in os.listdir(self.folder / "meta")}
        return sha256 in self._metas

    def totals(self) -> tuple[int, int]:
        """How many files are current, and their bytes."""
        return len(self._index), sum(entry["bytes"] for entry in self._index.values())

    def current(self) -> list[LandedFile]:
        """The newest version of every file name, sorted by name."""
        return [LandedFile(**entry) for _, entry in sorted(self._index.items())]

    def _store(
        self, sha256: str, file_name: str, size: int, origin: str, cursor: str | None, write_bytes
    ) -> tuple[LandedFile, bool]:
        current = self._index.get(file_name)
        if current is not None and current["sha256"] == sha256:
            return LandedFile(**current), False  # landed before under this name: no meta to open
        is_new = not self._has_meta(sha256)
        if is_new:
            landed = LandedFile(
                sha256, self.source, file_name, size, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), origin, cursor
            )
            write_bytes(os.path.join(self.folder, "files", f"{sha256}{_suffix(file_name)}"))
            # no indent: json's C encoder (indent takes the pure-Python one, 8 s for 300,000 metas)
            _write_atomic(self._meta_path(sha256), json.dumps(landed.as_dict()).encode())
            self._metas.add(sha256)
        else:
            landed = self.record(sha256)
        if self._index.get(file_name, {}).get("sha256") != sha256:
            self._index[file_name] = landed.as_dict()
            self._index_changed = True
        return landed, is_new

    def land_file(
        self, path: str | Path, file_name: str, stat: os.stat_result | None = None
    ) -> tuple[LandedFile, bool]:
        # a path as text: an unchanged file (most of an inbox) costs no Path object and no system call
        key = os.fspath(path)
        # stat before hashing: a file changed while being hashed is hashed again next run
        stat = stat or os.stat(key)
        seen = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]  # ctime: also an mtime set back (cp -p)
        cached = self._stats.get(key)
        body = None
        size = stat.st_size
        if cached and cached[:3] == seen and self._has_meta(cached[3]):
            sha = cached[3]
        else:
            sha, body = _read_hashed(Path(key))
            size = size if body is None else len(body)  # the bytes hashed are the bytes landed
            self._stats[key] = [*seen, sha]
            self._stats_changed = True

        def copy(target: str) -> None:
            if body is not None:
                _write_new(target, body)
                return
            tmp = _temporary(target)
            with open(key, "rb") as src, open(tmp, "wb") as dst:
                while chunk := src.read(CHUNK):
                    dst.write(chunk)
            os.replace(tmp, target)

        return self._store(sha, file_name, size, key, None, copy)

    def land_download(self, path: Path, file_name: str, origin: str) -> tuple[LandedFile, bool]:
        """A file downloaded to this disk, landed by moving it in (never held in memory); path is gone after."""
        sha = _sha256_file(path)
        try:
            return self._store(
                sha, file_name, path.stat().st_size, origin, None, lambda target: shutil.move(path, target)
            )
        finally:
            path.unlink(missing_ok=True)

    def land_bytes(
        self, body: bytes, file_name: str, origin: str, cursor: str | None = None
    ) -> tuple[LandedFile, bool]:
        sha = hashlib.sha256(body).hexdigest()
        return self._store(sha, file_name, len(body), origin, cursor, lambda target: _write_new(target, body))


def _inbox_files(folder: Path) -> list[tuple[str, os.DirEntry]]:
    """(name relative to folder, entry) of every file under it, dot-files left out, sorted by name.
    os.scandir gives the file type without a stat call and caches the one stat each file then needs:
    at 10M events rglob + is_file + stat made two system calls for each of 300,000 files."""
    found, stack = [], [(folder, "")]
    while stack:
        directory, prefix = stack.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):  # as rglob: a symlinked folder is not walked
                    stack.append((Path(entry.path), f"{prefix}{entry.name}/"))
                elif entry.is_file() and not entry.name.startswith("."):
                    found.append((f"{prefix}{entry.name}", entry))
    # the order of sorted Paths, as before: part by part, which is the order of the names with "/" as the
    # smallest character ("\0", in no name); a list per name to compare took 0.9 s for 300,000 files
    return sorted(found, key=lambda item: item[0].replace("/", "\0"))


@dataclass(frozen=True)
class InboxLanded:
    """What landing an inbox left: the current landed files (count and bytes) and how many were new."""

    current_files: int
    bytes: int
    new: int


def _listing_digest(listed: list[tuple[str, os.DirEntry]]) -> str:
    """Every inbox file's name, size and times: what `land_file` compares to decide it was landed already."""
    digest = hashlib.sha256()
    for name, entry in listed:
        stat = entry.stat()
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\n".encode())
    return digest.hexdigest()


def _landing_state(folder: Path) -> list:
    """The landing's own record of a source, as of now: another landing (an API page, a meta file removed
    by hand) changes one of these, and then the inbox is landed file by file again."""
    state = []
    for path in (folder / "index.json", folder / "inbox_stat.json", folder / "meta"):
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            state.append(None)
            continue
        state.append([stat.st_size, stat.st_mtime_ns, stat.st_ino])
    return state


def land_new(inbox_dir: Path, landing_dir: Path, source: str) -> InboxLanded:
    """Land every file under inbox/<source>/ that is not landed yet. When the listing and the landing are
    as the last landing left them, nothing can have changed: the 90 MB index and 60 MB stat cache of a
    10M-event Discourse inbox are then not read (8 s of a one-day refresh that brought no Discourse file)."""
    folder = inbox_dir / source
    listed = _inbox_files(folder) if folder.exists() else []
    listing = {"version": LISTING_VERSION, "inbox": _listing_digest(listed)}
    state_path = landing_dir / source / LISTING_FILE
    try:
        last = json.loads(state_path.read_text())
    except (FileNotFoundError, ValueError):
        last = {}
    if last.get("listing") == listing and last.get("landing") == _landing_state(landing_dir / source):
        return InboxLanded(last["current_files"], last["bytes"], 0)
    new = 0
    with Landing(landing_dir, source) as landing:
        for name, entry in listed:
            _, is_new = landing.land_file(entry.path, name, entry.stat())
            new += is_new
    landed = InboxLanded(*landing.totals(), new)
    state = {"listing": listing, "landing": _landing_state(landing.folder)}
    state.update(current_files=landed.current_files, bytes=landed.bytes)
    _write_atomic(state_path, json.dumps(state).encode())
    return landed


def land_inbox(inbox_dir: Path, landing_dir: Path, source: str) -> tuple[list[LandedFile], int]:
    """Land every file under inbox/<source>/; returns (current landed files, number newly landed)."""
    landed = land_new(inbox_dir, landing_dir, source)
    return Landing(landing_dir, source).current(), landed.new
