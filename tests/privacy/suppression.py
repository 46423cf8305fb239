"""The small-cell rule, checked against the unsuppressed counts the marts hold."""


def assert_suppressed_below(rows: list[tuple[int, int | None, bool]], min_count: int) -> None:
    """rows: (actual count, published count, is_suppressed). Below `min_count`: withheld, always;
    at or above it a cell may still be withheld (secondary suppression), but a shown count is exact."""
    assert rows
    for actual, published, suppressed in rows:
        if actual < min_count:
            assert suppressed and published is None, (actual, published, suppressed)
        assert published == (None if suppressed else actual), (actual, published, suppressed)
