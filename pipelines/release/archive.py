"""A release as one zip (what the file server serves as /releases/<id>.zip and a hub fetches), and its
safe unpacking: members only under one top folder named by the release id, no links, bounded size."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path, PurePosixPath

_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
MAX_UNPACKED_BYTES = 2 << 30  # a release bigger than this is refused rather than filling the disk


def release_zip(release_dir: Path, release_id: str) -> bytes:
    """Every file of the release in one zip under <release_id>/; a release never changes, so per id
    the zip is byte-identical (a fixed timestamp)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in release_dir.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{release_id}/{path.relative_to(release_dir).as_posix()}", _ZIP_TIMESTAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def unpack_release_zip(data: bytes | Path, target_dir: Path, origin: str) -> Path:
    """Unpack a release zip into target_dir/<release id>/ and return that folder; ValueError naming
    origin and the member if the zip is not one release folder (several top folders, absolute or `..`
    paths, links, more than MAX_UNPACKED_BYTES)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        infos = archive.infolist()
    except zipfile.BadZipFile as error:
        raise ValueError(f"{origin}: not a zip file ({error})") from None
    tops, total = set(), 0
    for info in infos:
        pure = PurePosixPath(info.filename)
        if pure.is_absolute() or ".." in pure.parts or "\\" in info.filename or len(pure.parts) < 2:
            raise ValueError(f"{origin}: member {info.filename!r} is not a file inside one release folder")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ValueError(f"{origin}: member {info.filename!r} is a symbolic link")
        tops.add(pure.parts[0])
        total += info.file_size
    if len(tops) != 1:
        raise ValueError(f"{origin}: holds {len(tops)} top folders, a release zip holds one (its id)")
    if total > MAX_UNPACKED_BYTES:
        raise ValueError(f"{origin}: unpacks to {total} bytes, more than the limit {MAX_UNPACKED_BYTES}")
    (release_id,) = tops
    folder = target_dir / release_id
    for info in infos:
        if info.is_dir():
            continue
        path = target_dir / info.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source:
            path.write_bytes(source.read(MAX_UNPACKED_BYTES + 1))
    return folder
