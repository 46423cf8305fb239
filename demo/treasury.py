"""Who keeps which books, and who gets paid: shared by the Open Collective and ledger writers."""

from __future__ import annotations

from dataclasses import dataclass

from demo.federation import NATIONS, Federation, Group

NON_LOCAL_PAYEES = [
    ("amazon", "Amazon"),
    ("zoom-video", "Zoom Video Communications"),
    ("google-workspace", "Google Workspace"),
    ("mailchimp", "Mailchimp"),
    ("aws", "Amazon Web Services"),
    ("ikea", "IKEA"),
]
LOCAL_PAYEE_KINDS = [
    ("print-coop", "Print Co-op", "printing"),
    ("community-hall", "Community Hall", "rent"),
    ("hardware", "Hardware Store", "supplies"),
    ("catering", "Catering Collective", "events"),
    ("bike-couriers", "Bike Couriers", "delivery"),
]
EXPENSE_TAGS = {
    "printing": "printing, outreach",
    "rent": "rent",
    "supplies": "supplies",
    "events": "events, food",
    "delivery": "logistics",
    "software": "software",
}


@dataclass(frozen=True)
class Books:
    group: Group
    kind: str  # "opencollective" or "ledger"
    name: str  # OC account slug or journal file stem
    currency: str


def local_payees(group: Group) -> list[tuple[str, str, str]]:
    """(slug, display name, expense category) of businesses in the group's city."""
    city = group.name.removesuffix(" Commons")
    return [(f"{group.slug}-{slug}", f"{city} {name}", category) for slug, name, category in LOCAL_PAYEE_KINDS]


def treasury_books(federation: Federation) -> list[Books]:
    """Each nation has one city that keeps plain-text books; the other cities' first-in-region and
    all US cities hold money on Open Collective, plus the US national fund."""
    books: list[Books] = []
    for nation_index, nation in enumerate(NATIONS):
        national = next(g for g in federation.of_type("national") if g.nation == nation_index)
        regions = [federation.groups[i] for i in federation.children[national.index]]
        cities_by_region = [[federation.groups[i] for i in federation.children[r.index]] for r in regions]
        ledger_city = cities_by_region[0][1]
        books.append(Books(ledger_city, "ledger", ledger_city.slug, nation["currency"]))
        if nation["slug"] == "usa":
            books.append(Books(national, "opencollective", "togetheros-usa", nation["currency"]))
        for cities in cities_by_region:
            for position, city in enumerate(cities):
                if city is ledger_city or (nation["slug"] == "spain" and position > 0):
                    continue
                books.append(Books(city, "opencollective", f"togetheros-{city.slug}", nation["currency"]))
    return books
