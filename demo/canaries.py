"""Canary people: distinctive identities planted in the demo inputs.

A privacy scanner later searches every public output for these strings; none may appear there.
They are real-looking people present in several sources, and their phone numbers and emails are
also written into free-text fields (posts, memos, comments) where careless code might leak them.
The pipeline does not import them: `write_terms` hands them to the privacy gate as configuration
(the data directory's extra-terms file, `Paths.privacy_terms`).
"""

from pathlib import Path

CANARIES: list[dict[str, str]] = [
    {
        "name": "Zephyrine Okonkwo-Lindqvist",
        "username": "zephyrine_ol",
        "handle": "zephyrine_ol",
        "email": "zephyrine.okonkwo.lindqvist@posteo.net",
        "phone": "+1 503-555-0147",
    },
    {
        "name": "Bartomeu Quixal Vandermeer",
        "username": "bartomeu_qv",
        "handle": "bartomeu_qv",
        "email": "bartomeu.quixal@riseup.net",
        "phone": "+34 655 913 207",
    },
    {
        "name": "Ottoline Marchbanks-Ferreira",
        "username": "ottoline_mf",
        "handle": "ottoline_mf",
        "email": "ottoline.mf@fastmail.com",
        "phone": "+1 312-555-0192",
    },
]


def terms() -> list[str]:
    """Every value of every canary: what no public output may contain."""
    return sorted({value for canary in CANARIES for value in canary.values()})


def write_terms(path: Path) -> Path:
    """Write the canaries as an extra-terms file for the privacy gate, one term per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# the demo's canaries (demo/canaries.py): no release may contain them\n" + "\n".join(terms()) + "\n"
    )
    return path
