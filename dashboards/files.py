"""The releases folder as static files at stable addresses, for auditors (issue 14): `togetheros serve`
runs this small HTTP server beside the dashboard (default: the dashboard's port + 1), so `curl` gets
the files themselves, never the app's HTML nor a temporary `/media/<hash>.zip`:

    /releases/latest/datapackage.json        the latest release's files (any file of it, same paths)
    /releases/<id>/data/<dataset>.csv        a given release's files, forever
    /releases/latest.zip, /releases/<id>.zip every file of the release in one zip (byte-identical per id)
    /releases/latest.extract, /releases/<id>.extract  the private federation extract written beside the
                                             release, when there is one (sealed: only the hub can open it)
    /releases/                               the list of published release ids, one a line
    /releases/latest/alerts/<group_id>.atom  a group's alerts as an Atom feed (all.atom: every group;
                                             docs/alerts.md)
    /docs/auditor-guide.md                   the auditor guide (step by step, standard tools only)

Only published releases are served: folders whose name starts with a dot (candidates, temporary
links) are not, nor anything outside the releases folder."""

from __future__ import annotations

import functools
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipelines.federation.extract import SUFFIX as EXTRACT_SUFFIX
from pipelines.federation.extract import extract_path
from pipelines.release import archive

AUDITOR_GUIDE = Path(__file__).resolve().parents[1] / "docs" / "auditor-guide.md"
FILES_URL_ENV = "TOGETHEROS_FILES_URL"  # where the dashboard says these files are (set by `togetheros serve`)
CONTENT_TYPES = {
    ".json": "application/json",
    ".atom": "application/atom+xml; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
    ".zip": "application/zip",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".sshsig": "text/plain; charset=utf-8",
    ".pub": "text/plain; charset=utf-8",
    ".sig": "text/plain; charset=utf-8",
}


def _release_id(releases_dir: Path, name: str) -> str | None:
    """The published release id `name` names (`latest` resolved), or None."""
    if not name or name.startswith(".") or "/" in name:
        return None
    folder = (releases_dir / name).resolve()
    if folder.parent != releases_dir.resolve() or folder.name.startswith(".") or not folder.is_dir():
        return None
    return folder.name


# a release never changes: the zip of the newest few is kept
release_zip = functools.lru_cache(maxsize=4)(archive.release_zip)


def resolve(releases_dir: Path, url_path: str) -> tuple[bytes, str, str] | None:
    """(body, content type, download file name) for a URL path, or None (not found)."""
    parts = [p for p in unquote(urlsplit(url_path).path).split("/") if p]
    if parts == ["docs", "auditor-guide.md"] and AUDITOR_GUIDE.is_file():
        return AUDITOR_GUIDE.read_bytes(), CONTENT_TYPES[".md"], AUDITOR_GUIDE.name
    if not parts or parts[0] != "releases" or any(p in (".", "..") for p in parts):
        return None
    releases_dir = releases_dir.resolve()
    if len(parts) == 1:
        ids = sorted(
            p.name for p in releases_dir.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
        )
        return "".join(f"{i}\n" for i in ids).encode(), CONTENT_TYPES[".txt"], "releases.txt"
    if len(parts) == 2 and parts[1].endswith(".zip"):
        release_id = _release_id(releases_dir, parts[1].removesuffix(".zip"))
        if release_id is None:
            return None
        return release_zip(releases_dir / release_id, release_id), CONTENT_TYPES[".zip"], f"{release_id}.zip"
    if len(parts) == 2 and parts[1].endswith(EXTRACT_SUFFIX):
        release_id = _release_id(releases_dir, parts[1].removesuffix(EXTRACT_SUFFIX))
        path = extract_path(releases_dir, release_id) if release_id else None
        if path is None or not path.is_file():
            return None
        return path.read_bytes(), "application/octet-stream", path.name
    release_id = _release_id(releases_dir, parts[1])
    if release_id is None:
        return None
    root = releases_dir / release_id
    path = root.joinpath(*parts[2:]).resolve() if len(parts) > 2 else root
    if not path.is_relative_to(root) or not path.is_file():
        return None
    content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    return path.read_bytes(), content_type, path.name


def handler_for(releases_dir: Path) -> type[BaseHTTPRequestHandler]:
    class ReleaseFiles(BaseHTTPRequestHandler):
        server_version = "togetheros-release-files"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self._answer(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(body=False)

        def _answer(self, body: bool) -> None:
            found = resolve(releases_dir, self.path)
            if found is None:
                message = b"not found: the files are under /releases/latest/... and /releases/<id>/...\n"
                self.send_response(HTTPStatus.NOT_FOUND)
                self.send_header("Content-Type", CONTENT_TYPES[".txt"])
                self.send_header("Content-Length", str(len(message)))
                self.end_headers()
                if body:
                    self.wfile.write(message)
                return
            data, content_type, name = found
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Access-Control-Allow-Origin", "*")
            # `latest` moves; a release id never changes
            latest = "/releases/latest" in self.path
            self.send_header("Cache-Control", "no-cache" if latest else "public, max-age=31536000, immutable")
            if name.endswith(".zip"):
                self.send_header("Content-Disposition", f'attachment; filename="{name}"')
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:  # quiet: the dashboard's terminal is enough
            pass

    return ReleaseFiles


def start(releases_dir: Path, host: str, port: int) -> ThreadingHTTPServer:
    """Serve releases_dir at http://host:port/releases/... from a daemon thread; returns the server."""
    server = ThreadingHTTPServer((host, port), handler_for(Path(releases_dir)))
    threading.Thread(target=server.serve_forever, name="release-files", daemon=True).start()
    return server
