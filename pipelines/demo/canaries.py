"""Canary people: distinctive identities planted in the demo inputs.

A privacy scanner later searches every public output for these strings; none may appear there.
They are real-looking people present in several sources, and their phone numbers and emails are
also written into free-text fields (posts, memos, comments) where careless code might leak them.
"""

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
