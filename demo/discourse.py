"""Discourse forum as saved API responses: categories, latest pages, topics, post pages, admin users.

Shapes follow the real endpoints (see reference/sources.md §2): `/t/{id}.json` carries only the first
20 posts plus the full `post_stream.stream`; the rest come from `/t/{id}/posts.json?post_ids[]=…`.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from demo.context import Context
from demo.output import ISO_MS_Z, dump_json, stamp, write_json
from demo.sampling import categorical, popularity, recent_pick, scope_groups, seconds
from demo.text import sentences, subjects, with_canary_contacts

SOURCE = "discourse"
HOST = "forum.togetheros.org"
SHARE_POSTS = 0.25
POSTS_PER_TOPIC = 10
FIRST_POSTS = 20  # /t/{id}.json returns this many posts
PER_PAGE = 30  # /latest.json page size
ADMIN_PAGE = 100  # /admin/users/list/active.json page size
TOPIC_CHUNK = 20_000
DAY_S = 86_400


def avatar(username: str) -> str:
    return f"/letter_avatar_proxy/v4/letter/{username[0]}/8c91f0/{{size}}.png"


def categories(ctx: Context) -> tuple[list[dict], dict[int, int], int]:
    """Category per group (cities and regions under their nation) + Uncategorized + a private Staff one."""
    fed = ctx.federation
    cats = [
        {
            "id": 1,
            "name": "Uncategorized",
            "slug": "uncategorized",
            "parent_category_id": None,
            "read_restricted": False,
        }
    ]
    by_group: dict[int, int] = {}
    for group in fed.groups:
        nation = next(
            (g for g in [group, *(fed.groups[a] for a in fed.ancestors(group.index))] if g.type == "national"),
            None,
        )
        parent = by_group.get(nation.index) if nation is not None and nation is not group else None
        category_id = len(cats) + 1
        cats.append(
            {
                "id": category_id,
                "name": group.name,
                "slug": group.slug,
                "parent_category_id": parent,
                "read_restricted": False,
            }
        )
        by_group[group.index] = category_id
        ctx.space(SOURCE, category_id, group.index)
    staff = len(cats) + 1
    cats.append({"id": staff, "name": "Staff", "slug": "staff", "parent_category_id": None, "read_restricted": True})
    ctx.space(SOURCE, staff, 0)
    ctx.space(SOURCE, 1, 0)
    return cats, by_group, staff


def write(ctx: Context) -> None:
    rng, cal, people = ctx.rng(SOURCE), ctx.calendar, ctx.people
    folder = ctx.folder(SOURCE)
    cats, by_group, staff = categories(ctx)
    members = np.flatnonzero(people.presence[SOURCE])
    user_id = np.zeros(len(people), dtype=np.int64)
    user_id[members] = np.arange(1, len(members) + 1)
    handle = np.asarray(people.column("handle"))
    name = np.asarray(people.column("name"))

    # Topics: opened by someone, in their city's category or a wider one; a few are private.
    n_posts = ctx.share(SHARE_POSTS, minimum=200)
    n_topics = max(20, n_posts // POSTS_PER_TOPIC)
    opener = people.pick(rng, n_topics, SOURCE)
    group = scope_groups(rng, ctx.federation, people.city[opener], (0.7, 0.15, 0.1, 0.05))
    created = seconds(cal.sample_with_history(rng, n_topics))
    order = np.argsort(created, kind="stable")
    opener, group, created = opener[order], group[order], created[order]
    kind = categorical(rng, ["regular", "private_message", "staff"], [0.95, 0.03, 0.02], n_topics)
    category = np.where(kind == "staff", staff, np.array([by_group[g] for g in group.tolist()]))
    archetype = np.where(kind == "private_message", "private_message", "regular")

    # Replies land on recent, popular threads; post ids grow with time as on a real forum.
    n_replies = n_posts - n_topics
    when = seconds(cal.sample(rng, n_replies))
    topic = recent_pick(rng, created, when, max(3.0, n_topics / 40), popularity(rng, n_topics))
    topic = np.maximum(topic, 0)
    when = np.maximum(when, created[topic] + 60)
    author = people.pick_in_groups(rng, group[topic], SOURCE, ctx.federation.city_ancestor_table())
    posts = pl.DataFrame(
        {
            "topic": np.concatenate([np.arange(n_topics), topic]),
            "t": np.concatenate([created, when]),
            "person": np.concatenate([opener, author]),
        }
    ).with_row_index("draw")
    posts = posts.with_columns(id=pl.col("t").rank("ordinal") + 1000).sort(["topic", "t", "draw"])
    posts = posts.with_columns(post_number=pl.int_range(1, pl.len() + 1).over("topic"))
    ctx.progress(f"discourse: {n_topics:,} topics, {posts.height:,} posts planned")

    topic_ids = np.arange(n_topics) + 100
    bounds = np.searchsorted(posts["topic"].to_numpy(), np.arange(n_topics + 1))
    last_posted = np.maximum.reduceat(posts["t"].to_numpy(), bounds[:-1])
    titles = [f"{s[0].upper()}{s[1:]}" for s in subjects(rng, n_topics).tolist()]
    created_text = stamp(created.astype("datetime64[s]"), ISO_MS_Z).to_list()
    last_text = stamp(last_posted.astype("datetime64[s]"), ISO_MS_Z).to_list()
    written = 0
    for first in range(0, n_topics, TOPIC_CHUNK):
        last = min(first + TOPIC_CHUNK, n_topics)
        chunk = posts.slice(bounds[first], bounds[last] - bounds[first])
        encoded = post_json(rng, chunk, topic_ids, user_id, handle, name).to_list()
        ids = chunk["id"].to_list()
        for t in range(first, last):
            lo, hi = bounds[t] - bounds[first], bounds[t + 1] - bounds[first]
            header = topic_fields(
                int(topic_ids[t]),
                titles[t],
                created_text[t],
                last_text[t],
                hi - lo,
                archetype[t],
                int(category[t]) if archetype[t] == "regular" else None,
                int(user_id[opener[t]]),
            )
            stream = ",".join(map(str, ids[lo:hi]))
            body = ",".join(encoded[lo : min(hi, lo + FIRST_POSTS)])
            (folder / f"t_{topic_ids[t]}.json").write_text(
                f'{{"post_stream":{{"posts":[{body}],"stream":[{stream}]}},{dump_json(header)[1:]}',
                encoding="utf-8",
            )
            ctx.wrote(SOURCE, f"t_{topic_ids[t]}.json", min(hi - lo, FIRST_POSTS))
            for page, start in enumerate(range(lo + FIRST_POSTS, hi, FIRST_POSTS), start=1):
                rest = ",".join(encoded[start : min(hi, start + FIRST_POSTS)])
                file_name = f"t_{topic_ids[t]}_posts_{page}.json"
                (folder / file_name).write_text(f'{{"post_stream":{{"posts":[{rest}]}}}}', encoding="utf-8")
                ctx.wrote(SOURCE, file_name, min(hi - start, FIRST_POSTS))
        written += chunk.height
        ctx.activity[SOURCE] = ctx.activity.get(SOURCE, 0) + chunk.height
        ctx.progress(f"discourse: {written:,}/{posts.height:,} posts")

    public = np.flatnonzero(archetype == "regular")
    write_latest(
        ctx,
        folder,
        public,
        topic_ids,
        titles,
        (created_text, last_text),
        last_posted,
        bounds,
        category,
        opener,
        user_id,
        handle,
        name,
    )
    write_json(
        folder / "categories.json",
        {"category_list": {"can_create_category": False, "can_create_topic": True, "categories": cats}},
    )
    ctx.wrote(SOURCE, "categories.json", len(cats))
    write_admin_users(ctx, folder, rng, members, user_id, handle, name)


def post_json(
    rng: np.random.Generator,
    chunk: pl.DataFrame,
    topic_ids: np.ndarray,
    user_id: np.ndarray,
    handle: np.ndarray,
    name: np.ndarray,
) -> pl.Series:
    """Each post as its JSON text, vectorized (whispers, hidden and deleted posts included)."""
    n = chunk.height
    person = chunk["person"].to_numpy()
    number = chunk["post_number"].to_numpy()
    t = chunk["t"].to_numpy()
    post_type = np.where(number == 1, 1, rng.choice([1, 2, 3, 4], n, p=[0.982, 0.003, 0.005, 0.01]))
    version = np.where(rng.random(n) < 0.1, rng.integers(2, 4, n), 1)
    updated = t + np.where(version > 1, rng.exponential(3 * 3600, n).astype(np.int64), 0)
    user_deleted = rng.random(n) < 0.007
    deleted_at = np.where(user_deleted & (rng.random(n) < 0.7), updated + 86_400, -1)
    reply_to = np.where((number > 1) & (rng.random(n) < 0.4), rng.integers(0, np.maximum(number - 1, 1)) + 1, -1)
    millis = rng.integers(0, 1000, n).astype("timedelta64[ms]")
    cooked = with_canary_contacts(rng, sentences(rng, n, 2), person)
    cooked = pl.Series(np.where(user_deleted, "(post deleted by author)", cooked.to_numpy()))
    frame = pl.DataFrame(
        {
            "id": chunk["id"],
            "name": name[person],
            "username": handle[person],
            "avatar_template": [avatar(h) for h in handle[person].tolist()],
            "created_at": stamp(t.astype("datetime64[s]") + millis, ISO_MS_Z),
            "cooked": "<p>" + cooked + "</p>",
            "post_number": number,
            "post_type": post_type,
            "updated_at": stamp(updated.astype("datetime64[s]") + millis, ISO_MS_Z),
            "reply_count": 0,
            "reply_to_post_number": pl.Series(reply_to).replace(-1, None),
            "reads": rng.integers(1, 60, n),
            "score": np.round(rng.exponential(8, n), 1),
            "topic_id": topic_ids[chunk["topic"].to_numpy()],
            "version": version,
            "edit_reason": None,
            "user_id": user_id[person],
            "hidden": rng.random(n) < 0.005,
            "deleted_at": stamp(np.where(deleted_at > 0, deleted_at, 0).astype("datetime64[s]"), ISO_MS_Z),
            "user_deleted": user_deleted,
            "trust_level": rng.integers(0, 4, n),
        }
    )
    frame = frame.with_columns(deleted_at=pl.when(pl.Series(deleted_at > 0)).then(pl.col("deleted_at")))
    return frame.select(pl.struct(pl.all()).struct.json_encode()).to_series()


def topic_fields(
    topic_id: int,
    title: str,
    created_at: str,
    last_posted_at: str,
    posts: int,
    archetype: str,
    category_id: int | None,
    user_id: int,
) -> dict:
    posts = int(posts)
    return {
        "id": topic_id,
        "title": title,
        "fancy_title": title,
        "slug": title.lower().replace(" ", "-"),
        "posts_count": posts,
        "created_at": created_at,
        "views": posts * 9 + 3,
        "reply_count": posts - 1,
        "like_count": posts // 3,
        "last_posted_at": last_posted_at,
        "visible": True,
        "closed": False,
        "archived": False,
        "archetype": archetype,
        "category_id": category_id,
        "deleted_at": None,
        "user_id": user_id,
        "highest_post_number": posts,
        "chunk_size": FIRST_POSTS,
    }


def write_latest(
    ctx: Context,
    folder,
    public: np.ndarray,
    topic_ids,
    titles,
    texts,
    last_posted,
    bounds,
    category,
    opener,
    user_id,
    handle,
    name,
) -> None:
    """`/latest.json?page=N`: public topics by last activity, 30 per page, `more_topics_url` until the end."""
    order = public[np.lexsort((-topic_ids[public], -last_posted[public]))]
    pages = max(1, -(-len(order) // PER_PAGE))
    for page in range(pages):
        rows = order[page * PER_PAGE : (page + 1) * PER_PAGE]
        topics = []
        for t in rows.tolist():
            fields = topic_fields(
                int(topic_ids[t]),
                titles[t],
                texts[0][t],
                texts[1][t],
                int(bounds[t + 1] - bounds[t]),
                "regular",
                int(category[t]),
                int(user_id[opener[t]]),
            )
            fields["bumped_at"] = fields["last_posted_at"]
            fields["posters"] = [
                {
                    "extras": "latest",
                    "description": "Original Poster",
                    "user_id": int(user_id[opener[t]]),
                    "primary_group_id": None,
                }
            ]
            del fields["user_id"], fields["chunk_size"]
            topics.append(fields)
        posters = sorted({int(opener[t]) for t in rows.tolist()})
        users = [
            {
                "id": int(user_id[p]),
                "username": str(handle[p]),
                "name": str(name[p]),
                "avatar_template": avatar(str(handle[p])),
            }
            for p in posters
        ]
        topic_list: dict = {"can_create_topic": True, "per_page": PER_PAGE, "topics": topics}
        if page + 1 < pages:
            topic_list["more_topics_url"] = f"/latest?page={page + 1}"
        write_json(
            folder / f"latest_page_{page}.json",
            {"users": users, "primary_groups": [], "topic_list": topic_list},
        )
        ctx.wrote(SOURCE, f"latest_page_{page}.json", len(topics))


def write_admin_users(
    ctx: Context, folder, rng: np.random.Generator, members: np.ndarray, user_id, handle, name
) -> None:
    """`/admin/users/list/active.json?show_emails=true&page=N`: where emails become known."""
    email = np.asarray(ctx.people.column("email"))
    joined_s = ctx.calendar.sample(rng, len(members)) - np.timedelta64(200, "D")
    seen_at = stamp(ctx.calendar.after(rng, joined_s, 200 * 86_400), ISO_MS_Z).to_list()
    joined = stamp(joined_s, ISO_MS_Z).to_list()
    users = [
        {
            "id": int(user_id[p]),
            "username": str(handle[p]),
            "name": str(name[p]),
            "avatar_template": avatar(str(handle[p])),
            "email": str(email[p]),
            "secondary_emails": [],
            "active": True,
            "admin": k == 0,
            "moderator": k < 4,
            "last_seen_at": seen_at[k],
            "created_at": joined[k],
            "trust_level": int(min(4, 1 + ctx.people.propensity[p] // 2)),
            "staged": False,
        }
        for k, p in enumerate(members.tolist())
    ]
    for page, start in enumerate(range(0, len(users), ADMIN_PAGE), start=1):
        write_json(folder / f"admin_users_{page}.json", users[start : start + ADMIN_PAGE])
        ctx.wrote(SOURCE, f"admin_users_{page}.json", len(users[start : start + ADMIN_PAGE]))
