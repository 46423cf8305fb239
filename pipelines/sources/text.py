"""Text as the sources write it: UTF-8 (BOM optional), with bytes that are not UTF-8 kept visible so the
lines holding them can be refused one by one."""

from __future__ import annotations

import re

NOT_UTF8 = "encoding:not_utf8"


def decode_text(raw: bytes) -> str:
    """UTF-8 with an optional BOM. Undecodable bytes survive as lone surrogates so the lines that hold
    them can be refused one by one (`has_undecodable`) instead of guessing an encoding."""
    return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")


UNDECODABLE = re.compile("[\udc80-\udcff]")  # the lone surrogates `decode_text` leaves for bytes not UTF-8


def has_undecodable(text: str) -> bool:
    return not text.isascii() and UNDECODABLE.search(text) is not None  # isascii is instant, a search is not


def printable(text: str) -> str:
    """Text fit for a quarantine record: undecodable bytes shown as \\xNN."""
    return (
        text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if has_undecodable(text) else text
    )
