"""SHA-256 of files and the `sha256sum -c` compatible SHA256SUMS format."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

_SUMS_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def format_sha256sums(hashes: dict[str, str]) -> str:
    """Lines `<hex>  <path>` sorted by path, as GNU sha256sum writes them in text mode."""
    return "".join(f"{hashes[path]}  {path}\n" for path in sorted(hashes))


def parse_sha256sums(text: str) -> tuple[dict[str, str], list[str]]:
    """Path -> hex from SHA256SUMS text, and a message for every line that is not a valid entry."""
    hashes: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUMS_LINE.match(line)
        if not match:
            problems.append(f"SHA256SUMS line {number} is not '<sha256>  <path>': {line!r}")
        elif match.group(2) in hashes:
            problems.append(f"SHA256SUMS line {number} lists {match.group(2)} a second time")
        else:
            hashes[match.group(2)] = match.group(1)
    return hashes, problems
