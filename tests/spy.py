"""Counting what a function is called on, for tests that prove work is not done twice."""

from __future__ import annotations


def spy_names(monkeypatch, owner, attribute: str) -> list[str]:
    """Wrap `owner.attribute` so every call records the `.name` of its first argument (a path or a file)."""
    names: list[str] = []
    real = getattr(owner, attribute)

    def recording(first, *args, **kwargs):
        names.append(first.name)
        return real(first, *args, **kwargs)

    monkeypatch.setattr(owner, attribute, recording)
    return names
