"""Discourse forum, landing → raw: saved JSON API responses (as `fetch` saves them, or saved by hand).

A file is recognised by its JSON shape, not its name (`recognise`): the fetcher's names
(`latest_page_<N>.json`, `t_<id>.json`, `t_<id>_posts_<K>.json`, `categories.json`,
`admin_users_<N>.json`), capture names (`t_26_page_2.json`, `users_system.json`, …) and hand-saved
ones (`posts.json`, `posts/<id>.json`) all read the same. Posts whose topic page was not saved are
kept: staging marks their topic incomplete. Every record is kept as it came (private messages,
whispers, deleted posts too); staging decides what is public.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipelines.sources.contracts import Checked, load_contract
from pipelines.sources.formats import SPREADSHEET_RULE, spreadsheet
from pipelines.sources.quarantine import Refused, check_batch, check_rows, combine, refuse_file, rows_frame

SOURCE = "discourse"

MAX_FILE_BYTES = 64 * 1024 * 1024  # a saved API page is a few hundred kB; beyond this it is not one
Seen = Callable[[str, Any], None]  # (landing sha256, the file's JSON as parsed)


# --- parsing ------------------------------------------------------------------------------------


def _text(value: Any) -> Any:
    """JSON scalars as the contract reads them; objects and lists as JSON text (so a type rule fails)."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


_CHANGED_BY_TEXT = (dict, list, bool)  # exact types: json.loads makes no subclasses


class _Rows:
    """Rows for one entity of one file, plus the entries refused before they became rows."""

    def __init__(self, entity: str):
        self.entity = entity
        self.contract = load_contract(SOURCE)[entity]
        self.rows: list[dict[str, Any]] = []
        self.refused: list[Refused] = []

    def add(self, record: str, values: dict[str, Any]) -> None:
        # the parser's hot spot: most values are scalars `_text` keeps, so call it only for those it changes
        row = {k: _text(v) if type(v) in _CHANGED_BY_TEXT else v for k, v in values.items()}
        row["_record"] = record
        self.rows.append(row)

    def check(self, landing_sha256: str, file_name: str) -> Checked:
        names = [c.name for c in self.contract.columns]
        return check_rows(self.contract, rows_frame(self.rows, names), landing_sha256, file_name, self.refused)


def _objects(rows: _Rows, items: Any, path: str) -> Iterator[tuple[str, dict]]:
    """The JSON objects of a list, refusing entries that are not objects."""
    for index, item in enumerate(items):
        record = f"{path}[{index}]"
        if isinstance(item, dict):
            yield record, item
        else:
            rows.refused.append(
                Refused(record, "record:not_object", "entry is not a JSON object", json.dumps(item)[:200])
            )


def _topic_values(topic: dict) -> dict[str, Any]:
    user_id = topic.get("user_id")
    if user_id is None:  # /latest.json names the original poster only among `posters`
        for poster in topic.get("posters") or []:
            if isinstance(poster, dict) and "Original Poster" in str(poster.get("description")):
                user_id = poster.get("user_id")
    return {
        "topic_id": topic.get("id"),
        "category_id": topic.get("category_id"),
        "archetype": topic.get("archetype"),
        "created_at": topic.get("created_at"),
        "last_posted_at": topic.get("last_posted_at"),
        "bumped_at": topic.get("bumped_at"),
        "posts_count": topic.get("posts_count"),
        "visible": topic.get("visible"),
        "closed": topic.get("closed"),
        "archived": topic.get("archived"),
        "deleted_at": topic.get("deleted_at"),
        "user_id": user_id,
    }


def _add_posts(posts: _Rows, users: _Rows, items: Any, path: str, topic_id: int | None) -> None:
    seen_users = {row["user_id"] for row in users.rows}
    for record, post in _objects(posts, items, path):
        posts.add(
            record,
            {
                "post_id": post.get("id"),
                "topic_id": topic_id if post.get("topic_id") is None else post["topic_id"],
                "category_id": post.get("category_id"),
                "post_number": post.get("post_number"),
                "user_id": post.get("user_id"),
                "username": post.get("username"),
                "created_at": post.get("created_at"),
                "updated_at": post.get("updated_at"),
                "post_type": post.get("post_type"),
                "reply_to_post_number": post.get("reply_to_post_number"),
                "version": post.get("version"),
                "hidden": post.get("hidden"),
                "user_deleted": post.get("user_deleted"),
                "deleted_at": post.get("deleted_at"),
            },
        )
        # the author as a user, once per file (the post is the record that names them)
        user_id = _text(post.get("user_id"))
        if user_id is not None and user_id not in seen_users:
            seen_users.add(user_id)
            users.add(record, {"user_id": user_id, "username": post.get("username"), "name": post.get("name")})


class ShapeError(Exception):
    """The JSON is valid but not the shape the file name promises."""


def dig(data: Any, *keys: str, kind: type = list) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            raise ShapeError(f"no {'.'.join(keys)}")
        data = data[key]
    if not isinstance(data, kind):
        raise ShapeError(f"{'.'.join(keys)} is not a {kind.__name__}")
    return data


def _latest(data: Any) -> list[_Rows]:
    topics, users = _Rows("topics"), _Rows("users")
    for record, topic in _objects(topics, dig(data, "topic_list", "topics"), "$.topic_list.topics"):
        topics.add(record, _topic_values(topic))
    for record, user in _objects(users, data.get("users") or [], "$.users"):
        users.add(record, {"user_id": user.get("id"), "username": user.get("username"), "name": user.get("name")})
    return [topics, users]


def _topic(data: Any, topic_id: int | None) -> list[_Rows]:
    topics, posts, users = _Rows("topics"), _Rows("posts"), _Rows("users")
    items = dig(data, "post_stream", "posts")
    topics.add("$", _topic_values(data))
    _add_posts(posts, users, items, "$.post_stream.posts", topic_id)
    return [topics, posts, users]


def _topic_posts(data: Any, topic_id: int | None) -> list[_Rows]:
    posts, users = _Rows("posts"), _Rows("users")
    _add_posts(posts, users, dig(data, "post_stream", "posts"), "$.post_stream.posts", topic_id)
    return [posts, users]


def _categories(data: Any) -> list[_Rows]:
    categories = _Rows("categories")

    def add(items: Any, path: str, parent: Any) -> None:
        for record, category in _objects(categories, items, path):
            categories.add(
                record,
                {
                    "category_id": category.get("id"),
                    "slug": category.get("slug"),
                    "name": category.get("name"),
                    "parent_category_id": category.get("parent_category_id", parent),
                    "read_restricted": category.get("read_restricted"),
                },
            )
            if isinstance(category.get("subcategory_list"), list):  # include_subcategories=true
                add(category["subcategory_list"], f"{record}.subcategory_list", category.get("id"))

    add(dig(data, "category_list", "categories"), "$.category_list.categories", None)
    return [categories]


def _admin_users(data: Any) -> list[_Rows]:
    users = _Rows("users")
    if not isinstance(data, list):
        raise ShapeError("an admin users page is a JSON list of users")
    for record, user in _objects(users, data, "$"):
        users.add(
            record,
            {
                "user_id": user.get("id"),
                "username": user.get("username"),
                "name": user.get("name"),
                "email": user.get("email"),
            },
        )
    return [users]


# file name pattern -> the entity that carries a whole-file refusal, for a file whose content is not
# what its name promises (the content decides what a file is; the name only names the refusal)
NAMES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"latest.*\.json"), "topics"),
    (re.compile(r"t_\d+.*\.json"), "posts"),
    (re.compile(r"categories.*\.json"), "categories"),
    (re.compile(r"(admin_)?users.*\.json"), "users"),
]
TOPIC_NUMBER = re.compile(r"(?:^|/)t_(\d+)(?:_|\.)")  # t_26.json, t_26_page_2.json, t_26_posts_1.json
TOPIC_FIELDS = ("archetype", "title", "posts_count")  # a topic page has these beside its post stream


def _name_entity(file_name: str) -> str:
    name = Path(file_name).name
    return next((entity for pattern, entity in NAMES if pattern.fullmatch(name)), "posts")


def _topic_number(data: dict, file_name: str) -> int | None:
    """The topic a posts page belongs to when its posts do not say: the page's own `id`, else the
    `t_<id>` of its name."""
    if isinstance(data.get("id"), int):
        return data["id"]
    match = TOPIC_NUMBER.search(file_name)
    return int(match.group(1)) if match else None


def _latest_posts(data: Any) -> list[_Rows]:
    posts, users = _Rows("posts"), _Rows("users")
    _add_posts(posts, users, dig(data, "latest_posts"), "$.latest_posts", None)
    return [posts, users]


def _single_post(data: Any) -> list[_Rows]:
    posts, users = _Rows("posts"), _Rows("users")
    _add_posts(posts, users, [data], "$", None)
    posts.rows[0]["_record"] = "$"
    if users.rows:
        users.rows[0]["_record"] = "$"
    return [posts, users]


def _user_values(user: dict) -> dict[str, Any]:
    return {"user_id": user.get("id"), "username": user.get("username"), "name": user.get("name")}


def _user_page(data: Any) -> list[_Rows]:
    users = _Rows("users")
    users.add("$.user", _user_values(data["user"]))
    seen = {data["user"].get("id")}
    for record, user in _objects(users, data.get("users") or [], "$.users"):
        if user.get("id") not in seen:
            seen.add(user.get("id"))
            users.add(record, _user_values(user))
    return [users]


def _user_actions(data: Any) -> list[_Rows]:
    """`/user_actions.json`: likes, replies, mentions of one user. The posts they point at come from
    their topic pages; what the list itself tells is who the acting and target users are."""
    users = _Rows("users")
    seen: set = set()
    for record, action in _objects(users, dig(data, "user_actions"), "$.user_actions"):
        for prefix in ("acting_", "target_", ""):
            user_id, username = action.get(f"{prefix}user_id"), action.get(f"{prefix}username")
            if user_id is None or user_id in seen:
                continue
            seen.add(user_id)
            users.add(f"{record}.{prefix}user", {"user_id": user_id, "username": username})
    return [users]


def _directory(data: Any) -> list[_Rows]:
    users = _Rows("users")
    for record, item in _objects(users, dig(data, "directory_items"), "$.directory_items"):
        user = item.get("user") if isinstance(item.get("user"), dict) else {}
        users.add(f"{record}.user", _user_values(user))
    return [users]


def recognise(data: Any, file_name: str) -> tuple[str, Callable[[], list[_Rows]]] | None:
    """What a saved Discourse response is, by its JSON shape (the name it was saved under does not
    matter): (the kind, in words, and its reader), or None for a shape this pipeline does not read."""
    if isinstance(data, list):
        # the last page of an admin users list is empty
        if not data or any(isinstance(u, dict) and "username" in u for u in data):
            return "admin users list", lambda: _admin_users(data)
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("post_stream"), dict):
        topic_id = _topic_number(data, file_name)
        if any(key in data for key in TOPIC_FIELDS):
            return "topic page", lambda: _topic(data, topic_id)
        return "posts of a topic", lambda: _topic_posts(data, topic_id)
    if isinstance(data.get("topic_list"), dict):
        return "topic list", lambda: _latest(data)
    if isinstance(data.get("category_list"), dict):
        return "category list", lambda: _categories(data)
    if isinstance(data.get("latest_posts"), list):
        return "latest posts", lambda: _latest_posts(data)
    if isinstance(data.get("user"), dict) and "username" in data["user"]:
        return "user page", lambda: _user_page(data)
    if isinstance(data.get("user_actions"), list):
        return "user actions", lambda: _user_actions(data)
    if isinstance(data.get("directory_items"), list):
        return "user directory", lambda: _directory(data)
    if all(key in data for key in ("id", "post_number", "topic_id")):
        return "single post", lambda: _single_post(data)
    return None


READS = (
    "a topic page (/t/{id}.json, any page), posts of a topic (/t/{id}/posts.json), /posts.json, "
    "a single post (/posts/{id}.json), a user page (/users/{name}.json), /user_actions.json, "
    "/directory_items.json, /categories.json, /latest.json or an admin users list"
)


def _whole_file(entity: str, landing_sha256: str, file_name: str, rule: str, problem: str) -> dict:
    return {entity: refuse_file(load_contract(SOURCE)[entity], landing_sha256, file_name, rule, problem)}


def _read(path: Path, file_name: str, landing_sha256: str, seen: Seen | None) -> dict[str, Checked] | list[_Rows]:
    """The rows one saved response holds, or, for a file that cannot be read, its refusal."""
    entity = _name_entity(file_name)
    if workbook := spreadsheet(path, file_name):
        return _whole_file(entity, landing_sha256, file_name, SPREADSHEET_RULE, workbook)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return _whole_file(
            entity,
            landing_sha256,
            file_name,
            "file:too_large",
            f"{size} bytes, more than the {MAX_FILE_BYTES} a saved API page may have",
        )
    try:  # a RecursionError (nesting too deep) is the raw load's limit:json_depth refusal of this file
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        problem = f"not JSON ({error}): a saved Discourse API response is JSON; docs/inputs.md says what is read"
        return _whole_file(entity, landing_sha256, file_name, "file:unreadable", problem)
    if seen is not None:
        seen(landing_sha256, data)
    found = recognise(data, file_name)
    if found is None:
        named = any(pattern.fullmatch(Path(file_name).name) for pattern, _ in NAMES)
        rule = "file:shape" if named else "file:unknown_format"
        problem = f"JSON that is none of the Discourse responses this pipeline reads ({READS})"
        return _whole_file(entity, landing_sha256, file_name, rule, problem)
    _, reader = found
    try:
        return reader()
    except ShapeError as error:
        return _whole_file(entity, landing_sha256, file_name, "file:shape", str(error))


def parse(path: Path, file_name: str, landing_sha256: str, seen: Seen | None = None) -> dict[str, Checked]:
    """Every entity one saved Discourse response holds, whatever name it was saved under; a file that is
    not one is refused whole (`file:unreadable`, `file:unknown_format`). `seen(landing_sha256, data)` is
    handed each file's JSON as parsed, before its shape is checked (the privacy gate's people are read
    from it: pipelines/raw_readers.py)."""
    parts = _read(path, file_name, landing_sha256, seen)
    if isinstance(parts, dict):
        return parts
    return {rows.entity: rows.check(landing_sha256, file_name) for rows in parts}


def parse_batch(files: list[tuple[Path, str, str]], seen: Seen | None = None) -> dict[str, Checked]:
    """`parse` over many saved responses (path, file name, landing sha256) with one contract check per
    entity: a forum has thousands of small pages, and checking each alone costs more than reading it."""
    checked: dict[str, list[Checked]] = {}
    pending: dict[str, list[tuple]] = {}
    for path, file_name, landing_sha256 in files:
        parts = _read(path, file_name, landing_sha256, seen)
        if isinstance(parts, dict):
            for entity, refusal in parts.items():
                checked.setdefault(entity, []).append(refusal)
            continue
        for rows in parts:
            pending.setdefault(rows.entity, []).append((rows.rows, landing_sha256, file_name, rows.refused))
    for entity, entity_parts in pending.items():
        checked.setdefault(entity, []).append(check_batch(load_contract(SOURCE)[entity], entity_parts))
    return {entity: combine(parts) for entity, parts in checked.items()}
