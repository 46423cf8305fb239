"""Open Collective reconciliation over parsed transactions (the `raw.opencollective__transactions`
rows): does each account's running balance agree with its net amounts, and do both legs of each
transaction group mirror each other. They report; they change no data. Only tests call them so far.
"""

from __future__ import annotations

import polars as pl


def reconcile_balances(df: pl.DataFrame) -> pl.DataFrame:
    """Per account and currency: does the export's running `balance` agree with the running sum of net
    amounts? The data are not changed. The running sum starts from the first row's balance (the export
    may begin after the account opened), in export order by time then transaction id.

    Columns: account_slug, currency, rows, rows_with_balance, disagreeing_rows, first_disagreement_id,
    first_gap_minor, max_abs_gap_minor, computed_final_minor (opening + all net amounts),
    reported_final_minor, status (agrees | disagrees | no_balance)."""
    ordered = df.sort(["account_slug", "currency", "created_at", "transaction_id"])
    by = ["account_slug", "currency"]
    with_running = (
        ordered.with_columns(running=pl.col("net_amount_minor").cum_sum().over(by))
        .with_columns(
            opening=(pl.col("balance_minor") - pl.col("running")).drop_nulls().first().over(by),
        )
        .with_columns(gap=pl.col("balance_minor") - (pl.col("opening") + pl.col("running")))
    )
    disagree = pl.col("gap").fill_null(0) != 0
    return (
        with_running.group_by(by, maintain_order=True)
        .agg(
            rows=pl.len(),
            rows_with_balance=pl.col("balance_minor").is_not_null().sum(),
            disagreeing_rows=disagree.sum(),
            first_disagreement_id=pl.col("transaction_id").filter(disagree).first(),
            first_gap_minor=pl.col("gap").filter(disagree).first(),
            max_abs_gap_minor=pl.col("gap").abs().max(),
            computed_final_minor=(pl.col("opening").fill_null(0) + pl.col("running")).last(),
            reported_final_minor=pl.col("balance_minor").drop_nulls().last(),
        )
        .with_columns(
            status=pl.when(pl.col("rows_with_balance") == 0)
            .then(pl.lit("no_balance"))
            .when(pl.col("disagreeing_rows") > 0)
            .then(pl.lit("disagrees"))
            .otherwise(pl.lit("agrees"))
        )
        .sort(by)
    )


def group_net_check(df: pl.DataFrame) -> pl.DataFrame:
    """Transaction groups whose legs do not add up, with the reason. The data are not changed.

    Open Collective books every movement twice in one group: a CREDIT on one account and a DEBIT on the
    opposite account, of the same kind, where DEBIT.amount = -CREDIT.net_amount and DEBIT.net_amount =
    -CREDIT.amount (the fees sit between gross and net). Reported issues:
    - `unmatched_leg`: a leg whose counterpart is not in the data (an export of one account holds only
      that account's side), so the group cannot be checked here;
    - `legs_disagree`: both legs present but their amounts do not mirror; gap_minor says by how much.
    Columns: group_id, legs, unmatched_legs, gap_minor, issue."""
    legs = df.select(
        "group_id",
        "kind",
        "type",
        "is_refund",
        "account_slug",
        "opposite_account_slug",
        "amount_minor",
        "net_amount_minor",
    )
    credits = legs.filter(pl.col("type") == "CREDIT")
    debits = legs.filter(pl.col("type") == "DEBIT")
    pairs = credits.join(
        debits,
        left_on=["group_id", "kind", "is_refund", "account_slug", "opposite_account_slug"],
        right_on=["group_id", "kind", "is_refund", "opposite_account_slug", "account_slug"],
        how="full",
        suffix="_debit",
        nulls_equal=True,
        coalesce=False,
    ).with_columns(
        group_id=pl.coalesce("group_id", "group_id_debit"),
        matched=pl.col("type").is_not_null() & pl.col("type_debit").is_not_null(),
        gap=(pl.col("amount_minor") + pl.col("net_amount_minor_debit")).abs()
        + (pl.col("net_amount_minor") + pl.col("amount_minor_debit")).abs(),
    )
    return (
        pairs.group_by("group_id")
        .agg(
            legs=pl.col("type").is_not_null().sum() + pl.col("type_debit").is_not_null().sum(),
            unmatched_legs=(~pl.col("matched")).sum(),
            gap_minor=pl.col("gap").filter(pl.col("matched")).sum(),
        )
        .with_columns(
            issue=pl.when(pl.col("gap_minor") != 0)
            .then(pl.lit("legs_disagree"))
            .when(pl.col("unmatched_legs") > 0)
            .then(pl.lit("unmatched_leg"))
        )
        .filter(pl.col("issue").is_not_null())
        .sort("group_id")
    )
