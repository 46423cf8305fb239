"""TimeOverflow database exports (allow-listed columns) and one plain `hours_<city>.csv` time sheet.

Time is integer seconds; every transfer has two movements (-amount on the account that received the
service, +amount on the provider's), and account balances are the sums of their movements.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from demo.context import Context
from demo.federation import NATIONS
from demo.output import DAY, RAILS_DB, nullable, stamp, write_csv
from demo.sampling import categorical, seconds
from demo.text import contact_line

SOURCE = "timeoverflow"
SHARE = {"transfers": 0.025, "hours": 0.008}
DAY_S = 86_400


def write(ctx: Context) -> None:
    rng = ctx.rng(SOURCE)
    folder = ctx.folder(SOURCE)
    time_banks(ctx, rng, folder)
    hours_sheet(ctx, rng, folder)


def quarter_hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Exchange lengths in seconds: 15 min .. 4 h, mostly one or two hours."""
    weights = np.array([1, 2, 2, 6, 3, 5, 2, 8, 1, 3, 1, 4, 1, 1, 1, 2], dtype=float)
    return (rng.choice(16, n, p=weights / weights.sum()) + 1) * 900


def time_banks(ctx: Context, rng: np.random.Generator, folder) -> None:
    fed, people, cal = ctx.federation, ctx.people, ctx.calendar
    spain = next(g for g in fed.of_type("national") if NATIONS[g.nation]["slug"] == "spain")
    regions = fed.children[spain.index]
    banks = [fed.groups[fed.children[r][0]] for r in regions]  # one bank per region, in its first city
    region_of_city = {c: r for r in regions for c in fed.children[r]}
    org_of_region = {r: k + 1 for k, r in enumerate(regions)}
    organizations = pl.DataFrame(
        {
            "id": np.arange(1, len(banks) + 1),
            "name": [f"Banc de Temps {b.name.removesuffix(' Commons')}" for b in banks],
            "email": [f"hola@bancdetemps-{b.slug}.org" for b in banks],
            "phone": [f"+34 93{k} 555 0{k}1" for k in range(len(banks))],
            "city": [b.name.removesuffix(" Commons") for b in banks],
            "created_at": [f"2019-0{k + 3}-1{k} 09:00:00" for k in range(len(banks))],
        }
    )
    for k, bank in enumerate(banks):
        ctx.space(SOURCE, k + 1, bank.index)

    users = np.flatnonzero(people.presence[SOURCE])
    org = np.array([org_of_region[region_of_city[int(c)]] for c in people.city[users]], dtype=np.int64)
    n_users = len(users)
    created = seconds(cal.sample(rng, n_users)) - rng.integers(30, 900, n_users) * DAY_S
    frame = people.frame[users]
    birth_year = rng.integers(1948, 2004, n_users)
    write_table(
        ctx,
        folder,
        "users.csv",
        pl.DataFrame(
            {
                "id": np.arange(1, n_users + 1),
                "username": frame["name"],
                "email": frame["email"],
                "date_of_birth": [
                    f"{y}-{m:02d}-{d:02d}"
                    for y, m, d in zip(
                        birth_year.tolist(),
                        rng.integers(1, 13, n_users).tolist(),
                        rng.integers(1, 29, n_users).tolist(),
                        strict=True,
                    )
                ],
                "phone": frame["phone"],
                "alt_phone": np.where(rng.random(n_users) < 0.2, "93 555 01 23", ""),
                "locale": categorical(rng, ["es", "ca", "en"], [0.5, 0.45, 0.05], n_users),
                "created_at": stamp(created.astype("datetime64[s]"), RAILS_DB),
                "deleted_at": "",
            }
        ),
    )
    member_uid = pl.DataFrame({"org": org}).with_columns(uid=pl.int_range(1, pl.len() + 1).over("org"))
    write_table(
        ctx,
        folder,
        "members.csv",
        pl.DataFrame(
            {
                "id": np.arange(1, n_users + 1),
                "user_id": np.arange(1, n_users + 1),
                "organization_id": org,
                "member_uid": member_uid["uid"],
                "manager": member_uid["uid"] <= 2,
                "active": rng.random(n_users) < 0.9,
                "entry_date": stamp(created.astype("datetime64[s]"), DAY),
                "tags": "",
            }
        ),
    )

    # Accounts: one per member, then one per organization (the bank itself pays for community work).
    account_of_member = np.arange(1, n_users + 1)
    org_account = {o: n_users + o for o in range(1, len(banks) + 1)}
    n = ctx.share(SHARE["transfers"], minimum=50)
    # Givers and receivers differ: exchanges are not reciprocal.
    giving = people.propensity[users] * rng.lognormal(0, 1.0, n_users)
    receiving = people.propensity[users] * rng.lognormal(0, 1.0, n_users)
    provider = rng.choice(n_users, n, p=giving / giving.sum())
    receiver = np.empty(n, dtype=np.int64)
    for o in np.unique(org[provider]):
        rows = np.flatnonzero(org[provider] == o)
        pool = np.flatnonzero(org == o)
        receiver[rows] = rng.choice(pool, len(rows), p=receiving[pool] / receiving[pool].sum())
    receiver = np.where(receiver == provider, (receiver + 1) % n_users, receiver)
    source = account_of_member[receiver]  # the one who received the service pays the time
    target = account_of_member[provider]
    from_bank = rng.random(n) < 0.06
    source = np.where(from_bank, [org_account[int(o)] for o in org[provider]], source)
    when = np.sort(seconds(cal.sample(rng, n)))
    amount = quarter_hours(rng, n)
    transfer_id = np.arange(1, n + 1) + 100
    reason = np.where(
        from_bank,
        "Voluntariat a l'assemblea",
        categorical(
            rng,
            [
                "Classes de guitarra",
                "Reparació de bicicleta",
                "Acompanyament al metge",
                "Cuina col·lectiva",
                "Ajuda amb la mudança",
                "",
            ],
            [0.2, 0.2, 0.15, 0.15, 0.1, 0.2],
            n,
        ),
    ).astype(object)
    for canary in range(3):  # canaries leave their phone in a transfer note
        mine = np.flatnonzero(users[provider] == canary)
        if len(mine):
            reason[mine[0]] = f"Gràcies! {contact_line(canary, 0)}"
    transfers = pl.DataFrame(
        {
            "id": transfer_id,
            "post_id": nullable(rng.integers(1, 400, n), rng.random(n) < 0.6),
            "reason": reason.tolist(),
            "operator_id": nullable(np.ones(n, dtype=np.int64), from_bank),
            "created_at": stamp(when.astype("datetime64[s]"), RAILS_DB),
        }
    )
    # Defect: the export repeated one transfer row (same id twice).
    duplicate = transfers.slice(n // 2, 1)
    write_table(
        ctx,
        folder,
        "transfers.csv",
        pl.concat([transfers.slice(0, n // 2 + 1), duplicate, transfers.slice(n // 2 + 1)]),
        events=n,
    )
    ctx.defect(SOURCE, "transfers.csv", f"transfer id {transfer_id[n // 2]} appears twice (duplicated row)")

    movements = pl.DataFrame(
        {
            "account_id": np.column_stack([source, target]).ravel(),
            "transfer_id": np.repeat(transfer_id, 2),
            "amount": np.column_stack([-amount, amount]).ravel(),
            "created_at": np.repeat(stamp(when.astype("datetime64[s]"), RAILS_DB).to_numpy(), 2),
        }
    )
    movements = movements.with_row_index("id", offset=1000).with_columns(pl.col("id").cast(pl.Int64))
    write_table(ctx, folder, "movements.csv", movements)

    balances = movements.group_by("account_id").agg(pl.col("amount").sum())
    account_ids = np.arange(1, n_users + len(banks) + 1)
    balance = pl.DataFrame({"account_id": account_ids}).join(balances, on="account_id", how="left")["amount"]
    write_table(
        ctx,
        folder,
        "accounts.csv",
        pl.DataFrame(
            {
                "id": account_ids,
                "accountable_type": ["Member"] * n_users + ["Organization"] * len(banks),
                "accountable_id": np.concatenate([np.arange(1, n_users + 1), np.arange(1, len(banks) + 1)]),
                "organization_id": np.concatenate([org, np.arange(1, len(banks) + 1)]),
                "balance": balance.fill_null(0),
                "min_allowed_balance": None,
                "max_allowed_balance": None,
                "flagged": False,
            }
        ),
    )
    write_table(ctx, folder, "organizations.csv", organizations)


def hours_sheet(ctx: Context, rng: np.random.Generator, folder) -> None:
    """A US city's hOurworld-style sheet: date, provider, receiver (email or handle), decimal hours."""
    fed, people = ctx.federation, ctx.people
    usa = next(g for g in fed.of_type("national") if NATIONS[g.nation]["slug"] == "usa")
    city = fed.groups[fed.children[fed.children[usa.index][0]][0]]
    pool = np.flatnonzero(people.presence["hours"] & (people.city == city.index))
    n = ctx.share(SHARE["hours"], minimum=40)
    weights = people.propensity[pool]
    provider = rng.choice(pool, n, p=weights / weights.sum())
    receiver = rng.choice(pool, n, p=weights[::-1] / weights.sum())
    receiver = np.where(receiver == provider, pool[(np.searchsorted(pool, receiver) + 1) % len(pool)], receiver)
    email, handle = np.asarray(people.column("email")), np.asarray(people.column("handle"))
    by_email = rng.random((2, n)) < 0.7
    hours = quarter_hours(rng, n) / 3600
    when = np.sort(ctx.calendar.sample(rng, n).astype("datetime64[D]"))
    sheet = pl.DataFrame(
        {
            "date": when.astype(str),
            "provider": np.where(by_email[0], email[provider], handle[provider]),
            "receiver": np.where(by_email[1], email[receiver], handle[receiver]),
            "hours": [f"{h:g}" for h in hours.tolist()],
        }
    )
    file_name = f"hours_{city.slug}.csv"
    bad = sheet.slice(n // 3, 1).with_columns(hours=pl.lit("-2"))  # Defect: negative hours typed in.
    selfish = sheet.slice(2 * n // 3, 1).with_columns(receiver=pl.col("provider"))  # Defect: self-exchange.
    sheet = pl.concat([sheet.slice(0, n // 3), bad, sheet.slice(n // 3, n // 3), selfish, sheet.slice(2 * n // 3)])
    write_table(ctx, folder, file_name, sheet, events=n)
    ctx.defect(SOURCE, file_name, f"data row {n // 3 + 1} has negative hours (-2)")
    ctx.defect(SOURCE, file_name, f"data row {2 * (n // 3) + 2} has the same provider and receiver")
    ctx.space(SOURCE, f"hours_{city.slug}", city.index)


def write_table(ctx: Context, folder, file_name: str, frame: pl.DataFrame, events: int = 0) -> None:
    write_csv(folder / file_name, frame)
    ctx.wrote(SOURCE, file_name, frame.height, events)
