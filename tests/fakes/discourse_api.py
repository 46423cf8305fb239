"""A small Discourse forum behind a FakeServer, answering in the real API's shapes.

/latest.json pages (pinned first, then newest bumped; `more_topics_url` absent on the last page),
/t/{id}.json (first 20 posts + the full `stream`), /t/{id}/posts.json?post_ids[]=…,
/categories.json and /admin/users/list/active.json (admin key only, 1-based pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.fakes.server import FakeServer, Reply, Request

START = datetime(2024, 3, 1, 9, 0, 0)
ADMIN_KEY = "fake-admin-key-0123456789"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Topic:
    id: int
    category_id: int
    user_id: int
    created: datetime
    posts: list[dict] = field(default_factory=list)
    archetype: str = "regular"
    pinned: bool = False

    @property
    def bumped_at(self) -> datetime:
        return max([self.created] + [datetime.fromisoformat(p["created_at"][:-1]) for p in self.posts])


class DiscourseForum:
    def __init__(self, topics: int = 7, posts_per_topic: int = 3, per_page: int = 3, admin_page_size: int = 2):
        self.per_page = per_page
        self.admin_page_size = admin_page_size
        self.users = [
            {"id": i, "username": f"member{i}", "name": f"Member {i}", "email": f"m{i}@example.org"}
            for i in range(1, 6)
        ]
        self.categories = [
            {"id": 1, "name": "General", "slug": "general", "read_restricted": False},
            {"id": 2, "name": "Staff", "slug": "staff", "read_restricted": True},
        ]
        self.topics: dict[int, Topic] = {}
        self._next_post = 100
        for n in range(1, topics + 1):
            topic = Topic(n, 1, 1 + n % 5, START + timedelta(hours=n), pinned=(n == 1))
            self.topics[n] = topic
            for k in range(posts_per_topic):
                self.add_post(n, minutes=k)

    def add_post(self, topic_id: int, minutes: int = 0, at: datetime | None = None) -> dict:
        topic = self.topics[topic_id]
        self._next_post += 1
        user = self.users[self._next_post % len(self.users)]
        moment = at or topic.created + timedelta(minutes=minutes)
        post = {
            "id": self._next_post,
            "name": user["name"],
            "username": user["username"],
            "avatar_template": "/letter/{size}.png",
            "created_at": iso(moment),
            "cooked": "<p>hello</p>",
            "post_number": len(topic.posts) + 1,
            "post_type": 1,
            "updated_at": iso(moment),
            "reply_to_post_number": None,
            "version": 1,
            "topic_id": topic_id,
            "user_id": user["id"],
            "hidden": False,
            "deleted_at": None,
            "user_deleted": False,
        }
        topic.posts.append(post)
        return post

    def add_private_message(self, topic_id: int) -> None:
        self.topics[topic_id] = Topic(topic_id, None, 1, START + timedelta(days=30), archetype="private_message")
        self.add_post(topic_id)

    def install(self, server: FakeServer) -> None:
        server.route("/latest.json", self.latest)
        server.route("/t/{id}.json", self.topic)
        server.route("/t/{id}/posts.json", self.topic_posts)
        server.route("/categories.json", lambda req: {"category_list": {"categories": self.categories}})
        server.route("/admin/users/list/active.json", self.admin_users)

    def _topic_json(self, topic: Topic) -> dict:
        return {
            "id": topic.id,
            "title": f"Topic {topic.id}",
            "slug": f"topic-{topic.id}",
            "posts_count": len(topic.posts),
            "created_at": iso(topic.created),
            "last_posted_at": topic.posts[-1]["created_at"] if topic.posts else None,
            "bumped_at": iso(topic.bumped_at),
            "archetype": topic.archetype,
            "pinned": topic.pinned,
            "visible": True,
            "closed": False,
            "archived": False,
            "category_id": topic.category_id,
            "posters": [{"extras": None, "description": "Original Poster", "user_id": topic.user_id}],
        }

    def latest(self, req: Request) -> dict:
        page = int(req.arg("page", "0"))
        listed = [t for t in self.topics.values() if t.archetype != "private_message"]  # as Discourse does
        ordered = sorted(listed, key=lambda t: (not t.pinned, -t.bumped_at.timestamp()))
        chunk = ordered[page * self.per_page : (page + 1) * self.per_page]
        topic_list: dict = {"per_page": self.per_page, "topics": [self._topic_json(t) for t in chunk]}
        if (page + 1) * self.per_page < len(ordered):
            topic_list["more_topics_url"] = f"/latest?page={page + 1}"
        return {
            "users": [{k: u[k] for k in ("id", "username", "name")} for u in self.users],
            "topic_list": topic_list,
        }

    def topic(self, req: Request) -> dict | Reply:
        topic = self.topics.get(int(req.params["id"]))
        if topic is None:
            return Reply.json({"errors": ["not found"]}, status=404)
        return {
            **self._topic_json(topic),
            "user_id": topic.user_id,
            "deleted_at": None,
            "post_stream": {"posts": topic.posts[:20], "stream": [p["id"] for p in topic.posts]},
        }

    def topic_posts(self, req: Request) -> dict:
        wanted = {int(i) for i in req.query.get("post_ids[]", [])}
        topic = self.topics[int(req.params["id"])]
        return {"post_stream": {"posts": [p for p in topic.posts if p["id"] in wanted]}}

    def admin_users(self, req: Request) -> list | Reply:
        if req.headers.get("api-key") != ADMIN_KEY:
            return Reply.json({"errors": ["You are not permitted to view the requested resource."]}, status=403)
        page = max(int(req.arg("page", "1")), 1)
        size = self.admin_page_size
        return self.users[(page - 1) * size : page * size]
