"""The dashboard's pages, in menu order: file under app_pages/, title (each page's heading), icon.
`app.py` builds the navigation from it; the browser tests and the serving bench visit every page by
its URL path (the file's name; the first page is the default, at "/")."""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).parent / "app_pages"
PAGES = (
    ("overview", "Overview", ":material/dashboard:"),
    ("participation", "Participation", ":material/groups:"),
    ("decisions", "Decisions & delivery", ":material/how_to_vote:"),
    ("initiatives", "Initiatives & milestones", ":material/flag:"),
    ("treasury", "Treasury", ":material/account_balance:"),
    ("local_value", "Local value", ":material/storefront:"),
    ("time_bank", "Time bank", ":material/schedule:"),
    ("data_audit", "Data & audit", ":material/verified:"),
)
# Pages of one item, opened from the lists and charts with its id (`/initiative?id=…`): not in the menu.
ITEM_PAGES = (
    ("initiative", "Initiative", ":material/flag:"),
    ("decision", "Decision", ":material/gavel:"),
)
# url path -> page heading; the Overview is the default page at "/"
HEADINGS = {("" if i == 0 else name): title for i, (name, title, _) in enumerate(PAGES)}
