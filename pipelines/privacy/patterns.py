"""Shapes of personal data found without knowing whose it is: emails, IP addresses, phone numbers.

Each candidate a regular expression finds is validated before it counts, so that ISO dates, times,
uuids, hashes, release ids and amounts (the everyday content of a release) are not reported.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
# Four dotted numbers that are not part of a longer dotted run (a version like 1.2.3.4.5).
IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)")
IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:.])")
# E.164 as people write it: +, country code, then digit groups split by spaces, dashes or brackets.
E164 = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ -]?\(?\d{1,4}\)?){2,6}(?![\w])")
# National formats: (503) 555-0147, 503-555-0147, 503.555.0147, 93 555 01 23, 655 913 207.
NATIONAL = re.compile(r"(?<![\w.+/:-])(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{2,4}(?:[ .-]\d{2,4}){1,3}(?![\w.-]|:\d)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 9, 15
ENOUGH_PHONE_DIGITS = re.compile(rf"(?:\d\D*){{{MIN_PHONE_DIGITS}}}")  # fewer digits cannot make a phone


@dataclass(frozen=True)
class Match:
    kind: str  # email, ipv4, ipv6, phone
    value: str
    start: int


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _is_personal_ip(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    # loopback and "any" addresses name no one
    return not (address.is_loopback or address.is_unspecified)


def _is_phone(text: str) -> bool:
    return (
        MIN_PHONE_DIGITS <= _digits(text) <= MAX_PHONE_DIGITS and not ISO_DATE.search(text) and not IPV4.fullmatch(text)
    )


def find_personal_patterns(text: str) -> Iterator[Match]:
    """Every email, IP address and phone number in `text`, in order of kind then position."""
    # each kind is looked for only where it can be: most values (ids, hashes, dates) lack "@", "." or ":"
    if "@" in text:
        for found in EMAIL.finditer(text):
            yield Match("email", found.group(), found.start())
    if "." in text:
        for found in IPV4.finditer(text):
            if _is_personal_ip(found.group()):
                yield Match("ipv4", found.group(), found.start())
    if ":" in text:
        for found in IPV6.finditer(text):
            # a compressed (::) or full eight-group address; times like 10:12:03 are neither
            candidate = found.group()
            if ("::" in candidate or candidate.count(":") == 7) and _is_personal_ip(candidate):
                yield Match("ipv6", candidate, found.start())
    if ENOUGH_PHONE_DIGITS.search(text):
        yield from _phones(text)


def _phones(text: str) -> Iterator[Match]:
    phones = [m for pattern in (E164, NATIONAL) for m in pattern.finditer(text)]
    seen: list[tuple[int, int]] = []
    for found in sorted(phones, key=lambda m: (m.start(), -m.end())):
        inside = any(a <= found.start() and found.end() <= b for a, b in seen)
        if not inside and _is_phone(found.group()):
            seen.append(found.span())
            yield Match("phone", found.group(), found.start())


def redact(value: str) -> str:
    """Enough to find the value again in the file (its first character and length), never the value."""
    return f"{value[:1]}{'*' * min(max(len(value) - 1, 0), 8)} ({len(value)} chars)"
