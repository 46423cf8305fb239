"""TogetherOS platform tables as NDJSON, one file per table (keys = docs/data-model.md §2 columns).

Governance is modelled as timelines: every proposal gets a timestamp per stage it reached
(draft → research → deliberation → voting → decided → delivery → reviewed → archived), votes fall in
its voting window, the votes decide the outcome, and approved proposals spawn initiatives whose
milestones are delivered on time, late, or stall.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from demo.context import Context
from demo.ids import uuid_series
from demo.output import DAY, ISO_Z, NdjsonWriter, stamp
from demo.sampling import (
    NEVER,
    categorical,
    popularity,
    recent_pick,
    scope_groups,
    seconds,
    stamps,
    zipf_choice,
)
from demo.text import sentences, subjects, with_canary_contacts

SOURCE = "togetheros"
STAGES = ["draft", "research", "deliberation", "voting", "decided", "delivery", "reviewed", "archived"]
DAY_S = 86_400
CHUNK = 400_000
VOTE_TYPES = ["consent", "concern", "abstain", "block"]
# Shares of the event budget.
SHARE = {
    "proposals": 0.005,
    "votes": 0.14,
    "topics": 0.02,
    "posts": 0.22,
    "allocations": 0.14,
    "timebank": 0.03,
    "sh": 0.03,
}


class Writer:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.rng = ctx.rng(SOURCE)
        self.folder = ctx.folder(SOURCE)
        self.people = ctx.people
        self.below = ctx.federation.city_ancestor_table()
        self.user_ids = uuid_series(self.rng, len(self.people)).to_numpy().astype(str)
        self.group_ids = np.array([g.group_id for g in ctx.federation.groups])
        self.first_seen = np.full(len(self.people), NEVER, dtype=np.int64)

    # -- plumbing -------------------------------------------------------------------------------
    def seen(self, people: np.ndarray, when: np.ndarray) -> None:
        np.minimum.at(self.first_seen, people, seconds(when))

    def table(self, name: str) -> NdjsonWriter:
        return NdjsonWriter(self.folder / f"{name}.ndjson")

    def done(self, writer: NdjsonWriter, events: int = 0) -> None:
        writer.close()
        self.ctx.wrote(SOURCE, writer.path.name, writer.rows, events)

    def write_table(self, name: str, frame: pl.DataFrame, events: int = 0) -> None:
        with self.table(name) as writer:
            writer.write(frame)
        self.ctx.wrote(SOURCE, writer.path.name, writer.rows, events)

    def pick_under(self, groups: np.ndarray) -> np.ndarray:
        return self.people.pick_in_groups(self.rng, groups, SOURCE, self.below)

    # -- governance -----------------------------------------------------------------------------
    def proposals(self) -> dict[str, np.ndarray]:
        ctx, rng, cal = self.ctx, self.rng, self.ctx.calendar
        n = ctx.share(SHARE["proposals"], minimum=30)
        author = self.people.pick(rng, n, SOURCE)
        scope = scope_groups(rng, ctx.federation, self.people.city[author], (0.78, 0.11, 0.07, 0.04))
        created = np.sort(seconds(cal.sample_with_history(rng, n)))
        # Seconds spent in each stage before moving on (draft, research, deliberation, voting).
        durations = np.column_stack(
            [
                rng.exponential(5 * DAY_S, n),
                rng.exponential(10 * DAY_S, n),
                rng.exponential(12 * DAY_S, n),
                rng.uniform(5, 10, n) * DAY_S,
            ]
        )
        stall_stage = np.where(rng.random(n) < 0.22, rng.choice(3, n, p=[0.45, 0.35, 0.2]), 99)
        timeline = np.full((n, len(STAGES)), NEVER, dtype=np.int64)
        timeline[:, 0] = created
        for stage in range(1, 5):
            previous = timeline[:, stage - 1]
            moved = (previous != NEVER) & (stall_stage >= stage)
            timeline[:, stage] = np.where(moved, previous + durations[:, stage - 1].astype(np.int64), NEVER)
        end = seconds(np.array([cal.end_s]))[0]
        deleted = (stall_stage <= 1) & (rng.random(n) < 0.3)
        timeline[deleted, 1:] = NEVER  # a deleted draft goes nowhere
        deleted_at = np.where(deleted, created + rng.exponential(9 * DAY_S, n).astype(np.int64), NEVER)
        deleted_at[deleted & (deleted_at > end)] = end
        return {
            "n": n,
            "author": author,
            "scope": scope,
            "timeline": timeline,
            "deleted_at": deleted_at,
            "ids": uuid_series(rng, n).to_numpy().astype(str),
            "end": end,
        }

    def votes(self, prop: dict) -> pl.DataFrame:
        rng, end = self.rng, prop["end"]
        timeline = prop["timeline"]
        voting = np.flatnonzero(timeline[:, 3] <= end)
        residents = np.bincount(self.people.city[self.people.presence[SOURCE]], minlength=len(self.below))
        pool = (self.below @ residents)[prop["scope"][voting]]  # people living under each scope group
        wanted = pool * rng.beta(2, 5, len(voting))
        budget = self.ctx.share(SHARE["votes"])
        counts = np.minimum(np.round(wanted * budget / max(wanted.sum(), 1)), pool * 0.9).astype(np.int64)
        counts = np.maximum(counts, np.minimum(pool, 3))
        item = np.repeat(np.arange(len(voting)), counts)
        proposal = voting[item]
        member = self.pick_under(prop["scope"][proposal])
        frame = pl.DataFrame({"p": proposal, "m": member, "i": item}).unique(
            ["p", "m"], keep="first", maintain_order=True
        )
        proposal, member = frame["p"].to_numpy(), frame["m"].to_numpy()
        # A proposal's support level drives its vote mix; blocks stay rare.
        support = rng.beta(6, 2, prop["n"])[proposal]
        weights = np.column_stack(
            [
                support * 0.9,
                (1 - support) * 0.7,
                np.full(len(proposal), 0.07),
                0.002 + (support < 0.45) * 0.03,
            ]
        )
        cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        kind = (rng.random(len(proposal))[:, None] > cumulative).sum(axis=1).clip(max=3)
        opens = timeline[proposal, 3]
        closes = np.minimum(np.where(timeline[proposal, 4] == NEVER, end, timeline[proposal, 4]), end)
        voted = opens + (rng.random(len(proposal)) * (closes - opens)).astype(np.int64)
        changed = rng.random(len(proposal)) < 0.08
        updated = np.where(changed, voted + (rng.random(len(proposal)) * (closes - voted)).astype(np.int64), voted)
        self.seen(member, stamps(voted))
        return pl.DataFrame({"proposal": proposal, "member": member, "kind": kind, "voted": voted, "updated": updated})

    def decide(self, prop: dict, votes: pl.DataFrame) -> None:
        """Outcome from the votes (consent > half and no block), then the delivery part of the timeline."""
        rng, n, timeline, end = self.rng, prop["n"], prop["timeline"], prop["end"]
        tally = np.zeros((n, 4), dtype=np.int64)
        np.add.at(tally, (votes["proposal"].to_numpy(), votes["kind"].to_numpy()), 1)
        total = tally.sum(axis=1)
        passed = (tally[:, 0] * 2 > total) & (tally[:, 3] == 0)
        decided = timeline[:, 4] <= end
        outcome = np.where(
            ~decided, None, np.where(passed, np.where(rng.random(n) < 0.1, "amended", "approved"), "rejected")
        )
        approved = decided & passed
        timeline[~decided, 4:] = NEVER
        stalled = approved & (rng.random(n) < 0.18)
        timeline[:, 5] = np.where(approved, timeline[:, 4] + rng.exponential(4 * DAY_S, n).astype(np.int64), NEVER)
        reviewed = approved & ~stalled
        timeline[:, 6] = np.where(reviewed, timeline[:, 5] + rng.exponential(50 * DAY_S, n).astype(np.int64), NEVER)
        archive_from = np.where(approved, timeline[:, 6], np.where(decided, timeline[:, 4], NEVER))
        archiving = (archive_from != NEVER) & (rng.random(n) < 0.5)
        delay = rng.exponential(np.where(approved, 40, 20) * DAY_S).astype(np.int64)
        timeline[:, 7] = np.where(archiving, archive_from + delay, NEVER)
        timeline[timeline > end] = NEVER
        dissent = (tally[:, 1] + tally[:, 3]) / np.maximum(total, 1)
        prop.update(
            outcome=outcome,
            approved=approved,
            stalled=stalled,
            minority=approved & (dissent >= 0.25) & (rng.random(n) < 0.3),
        )

    def write_proposals(self, prop: dict) -> None:
        rng, timeline, n = self.rng, prop["timeline"], prop["n"]
        reached = timeline != NEVER
        status_index = np.where(reached, np.arange(len(STAGES)), -1).max(axis=1)
        last_change = np.where(reached, timeline, 0).max(axis=1)
        updated = np.where(prop["deleted_at"] != NEVER, prop["deleted_at"], last_change)
        minority_text = np.where(prop["minority"], sentences(rng, n, 2).to_numpy(), None)
        title = [f"{s[0].upper()}{s[1:]}" for s in subjects(rng, n).tolist()]
        frame = pl.DataFrame(
            {
                "proposal_id": prop["ids"],
                "scope_type": "group",
                "scope_id": self.group_ids[prop["scope"]],
                "author_id": self.user_ids[prop["author"]],
                "title": title,
                "summary": with_canary_contacts(rng, sentences(rng, n, 3), prop["author"]),
                "status": np.asarray(STAGES)[status_index],
                "created_at": stamp(stamps(timeline[:, 0]), ISO_Z),
                "updated_at": stamp(stamps(updated), ISO_Z),
                "decided_at": stamp(stamps(timeline[:, 4]), ISO_Z),
                "decision_outcome": prop["outcome"],
                "minority_report": minority_text,
                "has_minority_report": prop["minority"],
                "deleted_at": stamp(stamps(prop["deleted_at"]), ISO_Z),
                "source_type": categorical(rng, ["manual", "forum", "bridge"], [0.6, 0.35, 0.05], n),
            },
            strict=False,
        )
        self.seen(prop["author"], stamps(timeline[:, 0]))
        self.write_table("proposals", frame, events=n)
        changes = []
        for stage in range(1, len(STAGES)):
            rows = np.flatnonzero(reached[:, stage])
            before = np.where(reached[rows, :stage], np.arange(stage), -1).max(axis=1)
            changes.append(
                pl.DataFrame(
                    {
                        "proposal_id": prop["ids"][rows],
                        "from_status": np.asarray(STAGES)[before],
                        "to_status": STAGES[stage],
                        "t": timeline[rows, stage],
                    }
                )
            )
        history = pl.concat(changes).sort(["t", "proposal_id"])
        history = history.with_columns(changed_at=stamp(stamps(history["t"].to_numpy()), ISO_Z)).drop("t")
        self.write_table("proposal_status_changes", history)

    def write_votes(self, prop: dict, votes: pl.DataFrame) -> None:
        votes = votes.sort(["voted", "proposal", "member"])
        kind = np.asarray(VOTE_TYPES)[votes["kind"].to_numpy()]
        frame = pl.DataFrame(
            {
                "proposal_id": prop["ids"][votes["proposal"].to_numpy()],
                "member_id": self.user_ids[votes["member"].to_numpy()],
                "vote_type": kind,
                "voted_at": stamp(stamps(votes["voted"].to_numpy()), ISO_Z),
                "updated_at": stamp(stamps(votes["updated"].to_numpy()), ISO_Z),
            }
        )
        with self.table("proposal_votes") as writer:
            writer.write(frame)
            # Defect: the user docs' "support" vocabulary leaked into one vote (not a DB vote_type).
            sample = frame.row(len(frame) // 2, named=True)
            writer.write(pl.DataFrame([{**sample, "vote_type": "support"}]))
        self.ctx.defect(
            SOURCE,
            "proposal_votes.ndjson",
            f"vote on proposal {sample['proposal_id']} has unknown vote_type 'support' (last line)",
        )
        self.ctx.wrote(SOURCE, writer.path.name, writer.rows, events=writer.rows)

    def initiatives(self, prop: dict) -> dict:
        rng, timeline, end = self.rng, prop["timeline"], prop["end"]
        rows = np.flatnonzero(timeline[:, 5] != NEVER)
        n = len(rows)
        created = timeline[rows, 5]
        planned = rng.uniform(30, 120, n) * DAY_S
        deadline = created + planned.astype(np.int64)
        reviewed = timeline[rows, 6]
        started = created + rng.exponential(3 * DAY_S, n).astype(np.int64)
        # Actual work takes as long as the review says; unreviewed ones run on (or stalled).
        delivered = np.where(
            reviewed != NEVER,
            np.maximum(started, reviewed - rng.exponential(4 * DAY_S, n).astype(np.int64)),
            NEVER,
        )
        ongoing_delivery = started + rng.exponential(60 * DAY_S, n).astype(np.int64)
        stalled = prop["stalled"][rows] & (end - created > 90 * DAY_S)
        delivered = np.where((reviewed == NEVER) & ~stalled & (ongoing_delivery <= end), ongoing_delivery, delivered)
        stall_point = started + rng.exponential(15 * DAY_S, n).astype(np.int64)
        status = np.where(
            reviewed != NEVER,
            "verified",
            np.where(
                delivered != NEVER,
                "delivered",
                np.where((end - created < 5 * DAY_S), "pending_assignment", "in_progress"),
            ),
        )
        started = np.where(status == "pending_assignment", NEVER, np.minimum(started, end))
        # Milestones: completed at evenly spaced points of the real work span.
        count = rng.integers(2, 6, n)
        item = np.repeat(np.arange(n), count)
        step = np.concatenate([np.arange(1, c + 1) for c in count]) if n else np.array([], dtype=np.int64)
        fraction = step / count[item]
        target = created[item] + (planned[item] * fraction).astype(np.int64)
        finish = np.where(delivered[item] != NEVER, delivered[item], ongoing_delivery[item])
        done_at = started[item] + ((finish - started[item]) * fraction * rng.uniform(0.85, 1.0, len(item)))
        done_at = done_at.astype(np.int64)
        completed = (started[item] != NEVER) & (done_at <= end) & (~stalled[item] | (done_at <= stall_point[item]))
        return {
            "rows": rows,
            "ids": uuid_series(rng, n).to_numpy().astype(str),
            "created": created,
            "deadline": deadline,
            "started": started,
            "delivered": delivered,
            "verified": np.where(status == "verified", reviewed, NEVER),
            "status": status,
            "milestone_item": item,
            "milestone_step": step,
            "milestone_target": target,
            "milestone_done": completed,
            "milestone_done_at": np.where(completed, done_at, NEVER),
        }

    def write_initiatives(self, prop: dict, ini: dict) -> None:
        rng, n = self.rng, len(ini["rows"])
        title = [f"Deliver: {s}" for s in subjects(rng, n).tolist()]
        self.write_table(
            "initiatives",
            pl.DataFrame(
                {
                    "initiative_id": ini["ids"],
                    "proposal_id": prop["ids"][ini["rows"]],
                    "group_id": self.group_ids[prop["scope"][ini["rows"]]],
                    "title": title,
                    "status": ini["status"],
                    "deadline": stamp(stamps(ini["deadline"]), DAY),
                    "created_at": stamp(stamps(ini["created"]), ISO_Z),
                    "started_at": stamp(stamps(ini["started"]), ISO_Z),
                    "delivered_at": stamp(stamps(ini["delivered"]), ISO_Z),
                    "verified_at": stamp(stamps(ini["verified"]), ISO_Z),
                }
            ),
        )
        item = ini["milestone_item"]
        self.write_table(
            "milestones",
            pl.DataFrame(
                {
                    "milestone_id": uuid_series(rng, len(item)),
                    "initiative_id": ini["ids"][item],
                    "title": [f"Milestone {k}" for k in ini["milestone_step"].tolist()],
                    "target_date": stamp(stamps(ini["milestone_target"]), DAY),
                    "completed": ini["milestone_done"],
                    "completed_at": stamp(stamps(ini["milestone_done_at"]), ISO_Z),
                }
            ),
        )

    # -- participation --------------------------------------------------------------------------
    def forum(self, prop: dict) -> None:
        ctx, rng, cal = self.ctx, self.rng, self.ctx.calendar
        n_topics = ctx.share(SHARE["topics"], minimum=20)
        author = self.people.pick(rng, n_topics, SOURCE)
        group = scope_groups(rng, ctx.federation, self.people.city[author], (0.75, 0.12, 0.08, 0.05))
        # Some threads were already running when the window opens, so early replies have somewhere to go.
        created = np.sort(seconds(cal.sample_with_history(rng, n_topics)))
        topic_ids = uuid_series(rng, n_topics).to_numpy().astype(str)
        n_posts = max(ctx.share(SHARE["posts"]) - n_topics, 0)
        appeal = popularity(rng, n_topics)
        last_activity = created.copy()
        post_count = np.ones(n_topics, dtype=np.int64)
        with self.table("forum_posts") as writer:
            self.write_posts(writer, topic_ids, created, author, created)  # opening posts
            self.seen(author, stamps(created))
            for offset in range(0, n_posts, CHUNK):
                size = min(CHUNK, n_posts - offset)
                when = seconds(cal.sample(rng, size))
                topic = recent_pick(rng, created, when, max(3.0, n_topics / 40), appeal)
                when = np.maximum(when, created[np.maximum(topic, 0)] + 60)
                topic = np.maximum(topic, 0)
                writers = self.pick_under(group[topic])
                self.write_posts(writer, topic_ids[topic], when, writers, created[topic])
                self.seen(writers, stamps(when))
                np.maximum.at(last_activity, topic, when)
                np.add.at(post_count, topic, 1)
                ctx.progress(f"togetheros: {offset + size:,}/{n_posts:,} forum posts")
            broken = '{"post_id":"' + str(topic_ids[0])[:8] + '","topic_id":"'
            writer.write_line(broken)  # Defect: the export was cut mid-line (disk full on the server).
        ctx.defect(SOURCE, "forum_posts.ndjson", "last line is a truncated JSON object (broken NDJSON line)")
        self.done(writer, events=writer.rows - 1)
        proposal_created = prop["timeline"][:, 0]
        linked = rng.random(n_topics) < 0.15
        linked_index = np.clip(np.searchsorted(np.sort(proposal_created), created) - 1, 0, prop["n"] - 1)
        order = np.argsort(proposal_created, kind="stable")
        self.write_table(
            "topics",
            pl.DataFrame(
                {
                    "topic_id": topic_ids,
                    "group_id": self.group_ids[group],
                    "author_id": self.user_ids[author],
                    "title": [f"{s[0].upper()}{s[1:]}" for s in subjects(rng, n_topics).tolist()],
                    "category": categorical(
                        rng,
                        ["general", "proposal", "question", "deliberation", "announcement"],
                        [0.45, 0.15, 0.2, 0.12, 0.08],
                        n_topics,
                    ),
                    "status": categorical(
                        rng, ["open", "resolved", "archived", "locked"], [0.7, 0.15, 0.12, 0.03], n_topics
                    ),
                    "post_count": post_count,
                    "created_at": stamp(stamps(created), ISO_Z),
                    "last_activity_at": stamp(stamps(last_activity), ISO_Z),
                    "linked_proposal_id": np.where(linked, prop["ids"][order[linked_index]], None),
                },
                strict=False,
            ),
            events=n_topics,
        )

    def write_posts(
        self,
        writer: NdjsonWriter,
        topic_ids: np.ndarray,
        when: np.ndarray,
        authors: np.ndarray,
        topic_created: np.ndarray,
    ) -> None:
        rng, n = self.rng, len(when)
        edited = rng.random(n) < 0.12
        updated = np.where(edited, when + rng.exponential(2 * 3600, n).astype(np.int64), when)
        deleted = rng.random(n) < 0.01
        writer.write(
            pl.DataFrame(
                {
                    "post_id": uuid_series(rng, n),
                    "topic_id": topic_ids,
                    "author_id": self.user_ids[authors],
                    "stance": categorical(
                        rng, ["support", "oppose", "neutral", "question"], [0.45, 0.15, 0.28, 0.12], n
                    ),
                    "content": with_canary_contacts(rng, sentences(rng, n, 2), authors),
                    "created_at": stamp(stamps(when), ISO_Z),
                    "updated_at": stamp(stamps(updated), ISO_Z),
                    "deleted_at": stamp(stamps(np.where(deleted, updated + 3600, NEVER)), ISO_Z),
                }
            )
        )

    def allocations(self, prop: dict, ini: dict) -> None:
        ctx, rng, cal = self.ctx, self.rng, self.ctx.calendar
        n = ctx.share(SHARE["allocations"])
        targets_created = np.concatenate([prop["timeline"][:, 0], ini["created"]])
        targets_group = np.concatenate([prop["scope"], prop["scope"][ini["rows"]]])
        targets_id = np.concatenate([prop["ids"], ini["ids"]])
        targets_type = np.array(["proposal"] * prop["n"] + ["initiative"] * len(ini["rows"]))
        alive = np.concatenate([prop["deleted_at"] == NEVER, np.ones(len(ini["rows"]), dtype=bool)])
        order = np.flatnonzero(alive)[np.argsort(targets_created[alive], kind="stable")]
        with self.table("support_points_allocations") as writer:
            for offset in range(0, n, CHUNK):
                size = min(CHUNK, n - offset)
                when = seconds(cal.sample(rng, size))
                pick = recent_pick(rng, targets_created[order], when, mean_back=max(3.0, len(order) / 25))
                when = np.maximum(when, targets_created[order][np.maximum(pick, 0)] + 60)
                target = order[np.maximum(pick, 0)]
                member = self.pick_under(targets_group[target])
                amount = zipf_choice(rng, size, 10, 0.9) + 1
                if offset == 0:
                    amount[size // 3] = 15  # Defect: more than the 10-point maximum per allocation.
                writer.write(
                    pl.DataFrame(
                        {
                            "allocation_id": uuid_series(rng, size),
                            "member_id": self.user_ids[member],
                            "target_type": targets_type[target],
                            "target_id": targets_id[target],
                            "amount": amount,
                            "status": categorical(rng, ["active", "reclaimed", "expired"], [0.8, 0.15, 0.05], size),
                            "created_at": stamp(stamps(when), ISO_Z),
                        }
                    )
                )
                self.seen(member, stamps(when))
                ctx.progress(f"togetheros: {offset + size:,}/{n:,} support-point allocations")
        ctx.defect(
            SOURCE,
            "support_points_allocations.ndjson",
            f"allocation on line {n // 3 + 1} has amount 15 (allowed 1-10)",
        )
        self.done(writer, events=writer.rows)

    def timebank(self) -> None:
        ctx, rng, cal = self.ctx, self.rng, self.ctx.calendar
        n = ctx.share(SHARE["timebank"])
        # Some people mostly give, others mostly receive: exchanges are not reciprocal.
        giving = self.people.propensity * rng.lognormal(0, 1.0, len(self.people))
        receiving = self.people.propensity * rng.lognormal(0, 1.0, len(self.people))
        provider = self.people.pick(rng, n, SOURCE, weights=giving)
        receiver = np.empty(n, dtype=np.int64)
        for city in np.unique(self.people.city[provider]):
            rows = np.flatnonzero(self.people.city[provider] == city)
            receiver[rows] = self.people.pick(rng, len(rows), SOURCE, cities=np.array([city]), weights=receiving)
        same = receiver == provider
        receiver[same] = self.people.pick(rng, int(same.sum()), SOURCE, weights=receiving)  # another city
        receiver[receiver == provider] = (provider[receiver == provider] + 1) % len(self.people)
        when = seconds(cal.sample(rng, n))
        seconds_given = (rng.choice(16, n, p=_quarter_hours()) + 1) * 900
        rate = rng.choice([1, 1, 1, 2, 3], n)
        status = categorical(rng, ["confirmed", "pending", "disputed", "resolved"], [0.86, 0.09, 0.03, 0.02], n)
        confirmed = np.isin(status, ["confirmed", "resolved"])
        end = seconds(np.array([cal.end_s]))[0]
        confirmed_at = np.where(confirmed, np.minimum(when + rng.exponential(DAY_S, n).astype(np.int64), end), NEVER)
        self.write_table(
            "timebank_transactions",
            pl.DataFrame(
                {
                    "transaction_id": uuid_series(rng, n),
                    "provider_id": self.user_ids[provider],
                    "receiver_id": self.user_ids[receiver],
                    "group_id": self.group_ids[self.people.city[provider]],
                    "service_title": subjects(rng, n),
                    "hours_seconds": seconds_given,
                    "tbc_cost": np.round(seconds_given / 3600 * rate, 2),
                    "status": status,
                    "created_at": stamp(stamps(when), ISO_Z),
                    "confirmed_at": stamp(stamps(confirmed_at), ISO_Z),
                }
            ).sort("created_at"),
            events=n,
        )
        self.seen(provider, stamps(when))

    def social_horizon(self) -> None:
        ctx, rng = self.ctx, self.rng
        n = ctx.share(SHARE["sh"])
        member = self.people.pick(rng, n, SOURCE)
        when = seconds(ctx.calendar.sample(rng, n))
        kind = categorical(
            rng,
            ["issuance", "rp_purchase", "money_purchase", "dividend", "transfer"],
            [0.3, 0.2, 0.1, 0.1, 0.3],
            n,
        )
        self.write_table(
            "sh_transactions",
            pl.DataFrame(
                {
                    "transaction_id": uuid_series(rng, n),
                    "member_id": self.user_ids[member],
                    "type": kind,
                    "amount": np.round(rng.lognormal(2.0, 0.9, n), 2),
                    "created_at": stamp(stamps(when), ISO_Z),
                }
            ).sort("created_at"),
            events=n,
        )

    def budgets(self) -> None:
        ctx, rng, cal = self.ctx, self.rng, self.ctx.calendar
        rows = []
        quarters = np.arange(cal.days[0].astype("datetime64[M]"), cal.days[-1].astype("datetime64[M]") + 1, 3)
        for group in ctx.federation.groups:
            funds = {"global": ["infra", "legal", "platform_team", "solidarity"], "local": ["local", "event"]}
            for fund in funds.get(group.type, []):
                for month in quarters:
                    allocated = int(rng.integers(20, 400)) * (10_000 if group.type == "global" else 1_000)
                    rows.append(
                        {
                            "budget_id": None,
                            "scope": "global" if group.type == "global" else "city",
                            "group_id": group.group_id,
                            "fund_type": fund,
                            "allocated_minor": allocated,
                            "spent_minor": int(allocated * rng.uniform(0.2, 1.08)),
                            "currency": ctx.federation.currency(group),
                            "period_start": str(month.astype("datetime64[D]")),
                            "period_end": str((month + 3).astype("datetime64[D]") - 1),
                        }
                    )
        ids = uuid_series(rng, len(rows)).to_list()
        for row, budget_id in zip(rows, ids, strict=True):
            row["budget_id"] = budget_id
        self.write_table("budgets", pl.DataFrame(rows))

    # -- people and groups (written last: joining dates follow from first activity) -------------
    def groups_and_people(self) -> None:
        ctx, rng, fed = self.ctx, self.rng, self.ctx.federation
        opened = seconds(np.array([ctx.calendar.start_s]))[0] - 400 * DAY_S
        self.write_table(
            "groups",
            pl.DataFrame(
                {
                    "group_id": [g.group_id for g in fed.groups],
                    "handle": [f"@{g.slug}@togetheros.org" for g in fed.groups],
                    "name": [g.name for g in fed.groups],
                    "type": [g.type for g in fed.groups],
                    "parent_id": [fed.groups[g.parent].group_id if g.parent is not None else None for g in fed.groups],
                    "is_city_group": [g.is_city for g in fed.groups],
                    "created_at": stamp(stamps(opened + np.arange(len(fed.groups)) * 3 * DAY_S), ISO_Z),
                }
            ),
        )
        members = np.flatnonzero(self.people.presence[SOURCE])
        lead = rng.exponential(45 * DAY_S, len(members)).astype(np.int64)
        fallback = seconds(ctx.calendar.sample(rng, len(members))) - 365 * DAY_S
        first = self.first_seen[members]
        created = np.where(first == NEVER, fallback, first - lead)
        frame = self.people.frame[members]
        self.write_table(
            "users",
            pl.DataFrame(
                {
                    "user_id": self.user_ids[members],
                    "handle": frame["handle"],
                    "display_name": frame["name"],
                    "email": frame["email"],
                    "geocoded_city": [fed.groups[c].name.removesuffix(" Commons") for c in self.people.city[members]],
                    "created_at": stamp(stamps(created), ISO_Z),
                }
            ),
        )
        ancestors = [fed.ancestors(c) for c in range(len(fed.groups))]
        rows_group, rows_user, rows_join = [], [], []
        extra = rng.random((len(members), 3))
        for k, person in enumerate(members.tolist()):
            city = int(self.people.city[person])
            chain = [city, *ancestors[city]]
            for level, group in enumerate(chain):
                if level == 0 or extra[k, level - 1] < (0.15, 0.05, 0.03)[level - 1]:
                    rows_group.append(group)
                    rows_user.append(person)
                    rows_join.append(created[k] + level * 7 * DAY_S)
        n = len(rows_group)
        self.write_table(
            "group_members",
            pl.DataFrame(
                {
                    "group_id": self.group_ids[rows_group],
                    "user_id": self.user_ids[rows_user],
                    "status": categorical(rng, ["active", "inactive", "left"], [0.88, 0.08, 0.04], n),
                    "role": categorical(rng, ["member", "coordinator", "admin"], [0.93, 0.05, 0.02], n),
                    "joined_at": stamp(stamps(np.array(rows_join, dtype=np.int64) + rng.integers(0, DAY_S, n)), ISO_Z),
                }
            ),
        )


def _quarter_hours() -> np.ndarray:
    """Exchange lengths in quarter hours 1..16: mostly 1-2 hours."""
    weights = np.array([1, 2, 2, 6, 3, 5, 2, 8, 1, 3, 1, 4, 1, 1, 1, 2], dtype=float)
    return weights / weights.sum()


def write(ctx: Context) -> None:
    writer = Writer(ctx)
    prop = writer.proposals()
    votes = writer.votes(prop)
    writer.decide(prop, votes)
    writer.write_proposals(prop)
    writer.write_votes(prop, votes)
    ctx.progress(f"togetheros: {prop['n']:,} proposals, {votes.height:,} votes")
    initiatives = writer.initiatives(prop)
    writer.write_initiatives(prop, initiatives)
    writer.forum(prop)
    writer.allocations(prop, initiatives)
    writer.timebank()
    writer.social_horizon()
    writer.budgets()
    writer.groups_and_people()
