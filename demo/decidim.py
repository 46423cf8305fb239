"""Decidim open-data ZIP: `<host>-open-data.zip` of `;`-separated CSVs with flattened locale columns.

One participatory process per Spanish city group, each with proposals, meetings, accountability
and budgets components (reference/sources.md §1, Decidim 0.30 serializers).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from demo.context import Context
from demo.output import DAY, DECIDIM, csv_bytes, stamp, write_zip
from demo.sampling import NEVER, categorical, popularity, recent_pick, seconds, stamps
from demo.text import sentences, subjects, with_canary_contacts

SOURCE = "decidim"
HOST = "participa.togetheros.es"
SHARE = {"proposals": 0.01, "comments": 0.05, "meetings": 0.003}
DAY_S = 86_400
STATES = ["accepted", "rejected", "evaluating", "", "withdrawn"]  # "" = not answered yet
RESULT_STATUSES = [("planned", "Planned"), ("in_progress", "In progress"), ("executed", "Executed")]
CATALAN = {
    "community garden water rota": "torn de reg de l'hort comunitari",
    "tool library opening hours": "horaris de la biblioteca d'eines",
}


def translated(prefix: str, english: list[str], machine_share: float, rng: np.random.Generator) -> dict:
    """Flattened translation columns: prefix/ca, prefix/es, prefix/en, prefix/machine_translations/en."""
    n = len(english)
    catalan = [CATALAN.get(t.lower(), t) for t in english]
    machine = rng.random(n) < machine_share
    return {
        f"{prefix}/ca": catalan,
        f"{prefix}/es": english,
        f"{prefix}/en": np.where(machine, "", english),
        f"{prefix}/machine_translations/en": np.where(machine, english, ""),
    }


def write(ctx: Context) -> None:
    rng, cal, people, fed = ctx.rng(SOURCE), ctx.calendar, ctx.people, ctx.federation
    folder = ctx.folder(SOURCE)
    cities = [g for g in fed.cities if fed.groups[g.index].nation == 0]
    members = np.flatnonzero(people.presence[SOURCE])
    decidim_id = np.zeros(len(people), dtype=np.int64)
    decidim_id[members] = np.arange(len(members)) * 3 + 11  # deleted/bot accounts leave gaps
    name, handle = np.asarray(people.column("name")), np.asarray(people.column("handle"))

    # Components: ids grouped per space, as an admin would create them.
    component = {}
    for k, city in enumerate(cities):
        for j, kind in enumerate(["proposals", "meetings", "accountability", "budgets"]):
            component[(city.index, kind)] = 20 + 4 * k + j
            ctx.space(SOURCE, 20 + 4 * k + j, city.index)
    space_of = {city.index: k + 1 for k, city in enumerate(cities)}
    space_url = {c: f"https://{HOST}/processes/{fed.groups[c].slug}-2026" for c in space_of}
    member_city = people.city
    tables: dict[str, pl.DataFrame] = {}

    # Proposals
    n = ctx.share(SHARE["proposals"], minimum=40)
    author = people.pick(rng, n, SOURCE)
    city = member_city[author]
    created = np.sort(seconds(cal.sample_with_history(rng, n, 0.1, 120)))
    published = created + rng.exponential(2 * 3600, n).astype(np.int64)
    state = categorical(rng, STATES, [0.3, 0.15, 0.15, 0.3, 0.1], n)
    answered = np.isin(state, ["accepted", "rejected", "evaluating"])
    answered_at = np.where(answered, published + rng.exponential(20 * DAY_S, n).astype(np.int64), NEVER)
    withdrawn = state == "withdrawn"
    withdrawn_at = np.where(withdrawn, published + rng.exponential(10 * DAY_S, n).astype(np.int64), NEVER)
    end = seconds(np.array([cal.end_s]))[0]
    answered_at[answered & (answered_at > end)] = end
    withdrawn_at[withdrawn & (withdrawn_at > end)] = end
    proposal_id = np.arange(n) + 1000
    comp = np.array([component[(c, "proposals")] for c in city.tolist()])
    month = stamp(stamps(created), "%Y-%m").to_list()
    titles = [f"{s[0].upper()}{s[1:]}" for s in subjects(rng, n).tolist()]
    body = with_canary_contacts(rng, sentences(rng, n, 3), author).to_list()
    votes = np.where(withdrawn, 0, rng.negative_binomial(1, 0.04, n))

    # Comments on proposals (counted back into the proposals' `comments` column).
    n_comments = ctx.share(SHARE["comments"], minimum=100)
    when = seconds(cal.sample(rng, n_comments))
    target = np.maximum(recent_pick(rng, published, when, max(2.0, n / 30), popularity(rng, n)), 0)
    when = np.maximum(when, published[target] + 600)
    commenter = people.pick(rng, n_comments, SOURCE)
    depth = np.where(rng.random(n_comments) < 0.3, rng.integers(1, 3, n_comments), 0)
    comment_count = np.bincount(target, minlength=n)
    tables["proposal_comments"] = pl.DataFrame(
        {
            "id": np.arange(n_comments) + 5000,
            "created_at": stamp(stamps(when), DECIDIM),
            "body": with_canary_contacts(rng, sentences(rng, n_comments, 1), commenter),
            "locale": "ca",
            "author/id": decidim_id[commenter],
            "author/name": name[commenter],
            "alignment": rng.choice([1, 0, -1], n_comments, p=[0.5, 0.35, 0.15]),
            "depth": depth,
            "user_group/id": "",
            "user_group/name": "",
            "commentable_id": proposal_id[target],
            "commentable_type": "Decidim::Proposals::Proposal",
            "root_commentable_url": [
                f"{space_url[member_city[author[t]]]}/f/{comp[t]}/proposals/{proposal_id[t]}" for t in target.tolist()
            ],
        }
    ).sort("created_at", "id")
    last_touch = np.maximum.reduce(
        [published, np.where(answered, answered_at, 0), np.where(withdrawn, withdrawn_at, 0)]
    )
    tables["proposals"] = pl.DataFrame(
        {
            "id": proposal_id,
            "author/id": decidim_id[author],
            "author/name": name[author],
            "author/url": [f"https://{HOST}/profiles/{h}" for h in handle[author].tolist()],
            "taxonomies": "",
            "participatory_space/id": [space_of[c] for c in city.tolist()],
            "participatory_space/url": [space_url[c] for c in city.tolist()],
            "component/id": comp,
            **translated("title", titles, 0.2, rng),
            **translated("body", body, 0.2, rng),
            "address": "",
            "latitude": "",
            "longitude": "",
            "state": np.where(withdrawn, "withdrawn", state),
            "state_published_at": stamp(stamps(answered_at), DECIDIM),
            "reference": [f"TOS-PROP-{m}-{i}" for m, i in zip(month, proposal_id.tolist(), strict=True)],
            "answer/ca": np.where(answered, "Gràcies per la proposta.", ""),
            "answered_at": stamp(stamps(answered_at), DECIDIM),
            "votes": votes,
            "likes/total_count": rng.poisson(3, n),
            "likes/user_likes": likers(rng, people, name, n),
            "comments": comment_count,
            "follows_count": rng.poisson(4, n) + 1,
            "published_at": stamp(stamps(published), DECIDIM),
            "url": [
                f"{space_url[c]}/f/{k}/proposals/{i}"
                for c, k, i in zip(city.tolist(), comp.tolist(), proposal_id.tolist(), strict=True)
            ],
            "meeting_urls": "",
            "related_proposals": "",
            "is_amend": "false",
            "original_proposal/title": "",
            "original_proposal/url": "",
            "withdrawn": np.where(withdrawn, "true", "false"),
            "withdrawn_at": stamp(stamps(withdrawn_at), DECIDIM),
            "created_at": stamp(stamps(created), DECIDIM),
            "updated_at": stamp(stamps(last_touch), DECIDIM),
            "created_in_meeting": "false",
            "coauthorships_count": 1,
            "cost": "",
            "cost_report": "",
            "execution_period": "",
        }
    )
    ctx.activity[SOURCE] = ctx.activity.get(SOURCE, 0) + n + n_comments

    tables["results"] = results(ctx, rng, cities, component, space_url, proposal_id, comp, city, state)
    tables["meetings"] = meetings(ctx, rng, cities, component, space_of, space_url, decidim_id, name)
    tables["projects"] = projects(ctx, rng, cities, component, space_of, space_url)
    tables["users"] = pl.DataFrame(
        {
            "id": decidim_id[members],
            "name": name[members],
            "nickname": handle[members],
            "about": with_canary_contacts(
                rng,
                pl.Series(np.where(rng.random(len(members)) < 0.3, "Veïna del barri, m'agrada l'hort.", "")),
                members,
            ),
            "avatar_url": "",
            "profile_url": [f"https://{HOST}/profiles/{h}" for h in handle[members].tolist()],
            "direct_messages_enabled": "true",
            "deleted": "false",
            "badge": "",
            "groups": "",
        }
    )
    archive = f"{HOST}-open-data.zip"
    write_zip(
        folder / archive,
        [(f"{HOST}-open-data-{entity}.csv", csv_bytes(frame, ";")) for entity, frame in tables.items()],
    )
    for entity, frame in tables.items():
        ctx.wrote(SOURCE, f"{archive}:{HOST}-open-data-{entity}.csv", frame.height)


def likers(rng: np.random.Generator, people, name: np.ndarray, n: int) -> list[str]:
    """Names of the people who liked each proposal, joined with ", " as the exporter flattens arrays."""
    counts = rng.poisson(0.8, n)
    chosen = name[people.pick(rng, int(counts.sum()), SOURCE)].tolist()
    bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
    return [", ".join(chosen[bounds[k] : bounds[k + 1]]) for k in range(n)]


def results(ctx: Context, rng, cities, component, space_url, proposal_id, comp, city, state) -> pl.DataFrame:
    """Accountability results: accepted proposals turned into work, with progress."""
    accepted = np.flatnonzero(state == "accepted")
    n = len(accepted)
    start = seconds(ctx.calendar.sample(rng, n))
    status = rng.choice(3, n, p=[0.3, 0.45, 0.25])
    progress = np.where(status == 0, 0, np.where(status == 1, rng.integers(10, 95, n), 100))
    urls = [f"{space_url[city[p]]}/f/{comp[p]}/proposals/{proposal_id[p]}" for p in accepted.tolist()]
    titles = [f"{s[0].upper()}{s[1:]}" for s in subjects(rng, n).tolist()]
    return pl.DataFrame(
        {
            "id": np.arange(n) + 300,
            "parent/id": "",
            **translated("title", titles, 0.0, rng),
            "start_date": stamp(stamps(start), DAY),
            "end_date": stamp(stamps(start + rng.integers(30, 200, n) * DAY_S), DAY),
            "status/id": status + 1,
            "status/key": np.asarray([k for k, _ in RESULT_STATUSES])[status],
            "status/name/en": np.asarray([v for _, v in RESULT_STATUSES])[status],
            "progress": progress,
            "created_at": stamp(stamps(start), DECIDIM),
            "updated_at": stamp(stamps(ctx.calendar.after(rng, stamps(start), 30 * DAY_S)), DECIDIM),
            "url": [
                f"{space_url[city[p]]}/f/{component[(city[p], 'accountability')]}/results/{300 + k}"
                for k, p in enumerate(accepted.tolist())
            ],
            "component/id": [component[(city[p], "accountability")] for p in accepted.tolist()],
            "proposal_urls": urls,
            "reference": [f"TOS-RESU-{300 + k}" for k in range(n)],
            "children_count": 0,
            "comments_count": rng.poisson(1, n),
        }
    )


def meetings(ctx: Context, rng, cities, component, space_of, space_url, decidim_id, name) -> pl.DataFrame:
    n = ctx.share(SHARE["meetings"], minimum=12)
    city = np.asarray([c.index for c in cities])[rng.integers(0, len(cities), n)]
    start = seconds(ctx.calendar.sample(rng, n))
    start = start - start % DAY_S + 17 * 3600  # evening assemblies at 17:00 UTC
    organizer = ctx.people.pick(rng, n, SOURCE)
    end = seconds(np.array([ctx.calendar.end_s]))[0]
    private = rng.random(n) < 0.06
    withdrawn = rng.random(n) < 0.04
    titles = [f"Assemblea: {s}" for s in subjects(rng, n).tolist()]
    ctx.activity[SOURCE] = ctx.activity.get(SOURCE, 0) + n
    return pl.DataFrame(
        {
            "id": np.arange(n) + 700,
            "author/id": decidim_id[organizer],
            "author/name": name[organizer],
            "participatory_space/id": [space_of[c] for c in city.tolist()],
            "participatory_space/url": [space_url[c] for c in city.tolist()],
            "component/id": [component[(c, "meetings")] for c in city.tolist()],
            **translated("title", titles, 0.1, rng),
            "start_time": stamp(stamps(start), DECIDIM),
            "end_time": stamp(stamps(start + 2 * 3600), DECIDIM),
            "attendees": np.where(start < end, rng.poisson(18, n), 0),
            "contributions": rng.poisson(4, n),
            "address": "Carrer de la Cooperativa 12",
            "reference": [f"TOS-MEET-{700 + k}" for k in range(n)],
            "published": "true",
            "private_meeting": np.where(private, "true", "false"),
            "withdrawn_at": stamp(stamps(np.where(withdrawn, start - 3 * DAY_S, NEVER)), DECIDIM),
            "created_at": stamp(stamps(start - 14 * DAY_S), DECIDIM),
            "closed_at": stamp(
                stamps(np.where((start + 2 * 3600 < end) & ~withdrawn, start + 3 * 3600, NEVER)), DECIDIM
            ),
            "type_of_meeting": categorical(rng, ["in_person", "online", "hybrid"], [0.6, 0.25, 0.15], n),
        }
    ).sort("start_time", "id")


def projects(ctx: Context, rng, cities, component, space_of, space_url) -> pl.DataFrame:
    """Participatory-budget projects per city (amounts in whole euros, as Decidim stores them)."""
    rows = []
    for city in cities:
        for _ in range(int(rng.integers(4, 9))):
            rows.append(city.index)
    n = len(rows)
    city = np.asarray(rows)
    created = seconds(ctx.calendar.sample(rng, n))
    votes = rng.negative_binomial(2, 0.02, n)
    titles = [f"{s[0].upper()}{s[1:]}" for s in subjects(rng, n).tolist()]
    return pl.DataFrame(
        {
            "id": np.arange(n) + 900,
            "taxonomies/id": "",
            "participatory_space/id": [space_of[c] for c in rows],
            "participatory_space/url": [space_url[c] for c in rows],
            "component/id": [component[(c, "budgets")] for c in rows],
            **translated("title", titles, 0.0, rng),
            "budget/id": [space_of[c] for c in rows],
            "budget_amount": rng.integers(5, 120, n) * 500,
            "confirmed_votes": votes,
            "comments": rng.poisson(2, n),
            "created_at": stamp(stamps(created), DECIDIM),
            "url": [f"{space_url[c]}/f/{component[(c, 'budgets')]}/projects/{900 + k}" for k, c in enumerate(rows)],
            "selected_at": stamp(stamps(np.where(votes > np.median(votes), created + 40 * DAY_S, NEVER)), DECIDIM),
            "reference": [f"TOS-PROJ-{900 + k}" for k in range(n)],
            "follows_count": rng.poisson(3, n),
        }
    )
