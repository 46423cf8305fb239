"""What the community maintains by hand: which group owns each space, and which payees are local."""

from __future__ import annotations

import polars as pl

from demo.context import Context
from demo.output import write_csv

SOURCE = "community"


def write(ctx: Context) -> None:
    folder = ctx.folder(SOURCE)
    spaces = pl.DataFrame(ctx.spaces, schema=["source", "space_id", "group_id"], orient="row")
    write_csv(folder / "space_groups.csv", spaces)
    ctx.wrote(SOURCE, "space_groups.csv", spaces.height)
    payees = pl.DataFrame(sorted(ctx.payees.items()), schema=["counterparty", "is_local"], orient="row")
    write_csv(
        folder / "local_payees.csv",
        payees.with_columns(pl.col("is_local").cast(pl.String).str.to_lowercase()),
    )
    ctx.wrote(SOURCE, "local_payees.csv", payees.height)
