"""Books that span several files: `include` directives (ledger-cli, hledger, beancount) resolved inside
the ledger inbox folder only.

A file is read by its inbox path (relative to data/inbox/ledger/): from the landing (`index.json` maps each
inbox path to its landed copy) when the parser reads a landed file, or from the folder the file sits in
when it reads a file in place (tests, `togetheros` commands). An include path is taken relative to the
including file's inbox path. It is refused, naming the including file and the line, when it leaves the
inbox (an absolute path outside it, `~`, `..` above the inbox folder, or an inbox file that is a symlink
to a file outside it), when no inbox file has that path (or no file matches its glob), and when the files
include each other in a cycle.

Rule for files that are both inbox files and included: a file included by another inbox file (whose own
includes all resolve) is loaded once, as part of the book of the file that includes it (the root of the
include tree); its own outcome says "loaded through include from <file>" and it adds no postings itself.
"""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipelines.sources.quarantine import refuse
from pipelines.sources.text import decode_text

# `include x`, `!include x` (ledger), `include "x"` (beancount); only at the start of a line
INCLUDE = re.compile(r"^!?include[ \t]+(?P<path>\S.*?)\s*(?:;.*)?$")
JOURNAL_SUFFIXES = (".journal", ".ledger", ".dat", ".hledger")
BEANCOUNT_SUFFIXES = (".beancount",)


def family(name: str) -> str | None:
    suffix = PurePosixPath(name).suffix.lower()
    return "journal" if suffix in JOURNAL_SUFFIXES else "beancount" if suffix in BEANCOUNT_SUFFIXES else None


@dataclass(frozen=True)
class Include:
    line: int
    text: str  # the path as written


def includes_of(text: str) -> list[Include]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if match := INCLUDE.match(line):
            out.append(Include(number, match.group("path").strip().strip('"').strip("'")))
    return out


class Inbox:
    """The ledger inbox as the parser sees it: inbox paths, their bytes and where they are on disk."""

    def __init__(self, path: Path, file_name: str):
        self.file_name = file_name
        index = path.parent.parent / "index.json"
        self.landed: dict[str, dict] | None = None
        if path.parent.name == "files" and index.exists():
            self.landed = json.loads(index.read_text())
            self.files = path.parent
            origin = self.landed.get(file_name, {}).get("origin")
            self.root = _strip(Path(origin), file_name) if origin else None
        else:  # read in place: the including file's folder is its inbox path's folder
            self.here = path.parent
            self.root = _strip(path, file_name) if path.as_posix().endswith("/" + file_name) else None
        self._texts: dict[str, str] = {}

    def names(self) -> list[str]:
        if self.landed is not None:
            return sorted(self.landed)
        base = self.root or self.here
        prefix = "" if self.root else posixpath.dirname(self.file_name)
        return sorted(
            posixpath.normpath(posixpath.join(prefix, p.relative_to(base).as_posix()))
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )

    def disk(self, name: str) -> Path | None:
        """Where the inbox file `name` is (or was, for a landed one) on disk."""
        if self.landed is not None:
            origin = self.landed.get(name, {}).get("origin")
            return Path(origin) if origin else None
        if self.root is not None:
            return self.root / name
        return self.here / posixpath.relpath(name, posixpath.dirname(self.file_name) or ".")

    def exists(self, name: str) -> bool:
        if self.landed is not None:
            return name in self.landed
        path = self.disk(name)
        return path is not None and path.is_file()

    def read(self, name: str) -> bytes:
        if self.landed is not None:
            entry = self.landed[name]
            return (self.files / f"{entry['sha256']}{Path(name).suffix}").read_bytes()
        return self.disk(name).read_bytes()

    def text(self, name: str) -> str:
        if name not in self._texts:
            self._texts[name] = decode_text(self.read(name))
        return self._texts[name]

    def escapes(self, name: str) -> bool:
        """A symlink (or a folder symlink on the way) that leads out of the inbox folder."""
        path, root = self.disk(name), self.root
        if path is None or root is None or not path.exists():
            return False
        real, real_root = os.path.realpath(path), os.path.realpath(root)
        return os.path.commonpath([real, real_root]) != real_root

    def resolve(self, including: str, include: Include) -> list[str]:
        """The inbox paths an include line names; refuses the including file when it cannot be followed."""
        where = f"{including}, line {include.line} (include {include.text})"
        written = include.text
        if written.startswith("~"):
            refuse(
                "include:outside_inbox", f"{where}: the path leaves the ledger inbox folder; include only files in it"
            )
        if posixpath.isabs(written) or re.match(r"^[A-Za-z]:[\\/]", written):
            root = self.root and os.path.realpath(self.root)
            real = os.path.realpath(written)
            if not root or os.path.commonpath([real, root]) != root:
                refuse(
                    "include:outside_inbox",
                    f"{where}: an absolute path outside the ledger inbox folder; include only files in it, "
                    "by a path relative to the including file",
                )
            name = Path(real).relative_to(root).as_posix()
        else:
            name = posixpath.normpath(posixpath.join(posixpath.dirname(including), written.replace("\\", "/")))
        if name == ".." or name.startswith("../"):
            refuse(
                "include:outside_inbox", f"{where}: the path leaves the ledger inbox folder; include only files in it"
            )
        if any(c in name for c in "*?["):
            found = [n for n in self.names() if fnmatch.fnmatchcase(n, name) and n != including]
        else:
            found = [name] if self.exists(name) else []
        if not found:
            refuse(
                "include:missing",
                f"{where}: no file {name} in the ledger inbox; put the included file there or remove the line",
            )
        for n in found:
            if self.escapes(n):
                refuse(
                    "include:outside_inbox",
                    f"{where}: {n} is a link to a file outside the ledger inbox folder; copy the file into it",
                )
        return found

    def tree(self, root: str) -> list[str]:
        """The files of the book whose root is `root`, in include order (root first); refuses a cycle."""
        order: list[str] = []

        def visit(name: str, stack: tuple[str, ...]) -> None:
            order.append(name)
            for include in includes_of(self.text(name)):
                for child in self.resolve(name, include):
                    if child in stack or child == name:
                        chain = " -> ".join([*stack, name, child])
                        refuse(
                            "include:cycle",
                            f"{name}, line {include.line} (include {include.text}): the files include each "
                            f"other in a cycle ({chain}); remove one of the include lines",
                        )
                    if child not in order:
                        visit(child, (*stack, name))

        visit(root, ())
        return order

    def included_by(self, name: str) -> str | None:
        """The inbox file of the same syntax whose book includes `name` (directly or through another
        included file), when that book's includes all resolve; None when `name` is a book of its own."""
        return self.includers().get(name)

    def includers(self) -> dict[str, str]:
        """Each included file -> the file whose book includes it. Worked out once per landing index (the
        raw load parses every file of the inbox with the same index)."""
        key = None
        if self.landed is not None:
            index = self.files.parent / "index.json"
            stat = index.stat()
            key = (str(index), stat.st_mtime_ns, stat.st_size)
            if key in _INCLUDERS:
                return _INCLUDERS[key]
        found: dict[str, str] = {}
        for other in self.names():
            if family(other) is None:
                continue
            try:
                if not includes_of(self.text(other)):
                    continue
                for child in self.tree(other)[1:]:
                    if family(child) == family(other):
                        found.setdefault(child, other)
            except Exception:  # noqa: BLE001 - a broken book is refused on its own; its files then load alone
                continue
        if key is not None:
            _INCLUDERS.clear()  # one index at a time
            _INCLUDERS[key] = found
        return found


_INCLUDERS: dict[tuple, dict[str, str]] = {}


def _strip(path: Path, file_name: str) -> Path:
    root = path
    for _ in PurePosixPath(file_name).parts:
        root = root.parent
    return root
