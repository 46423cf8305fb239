"""The dashboard's pages, in menu order: file under app_pages/, title (each page's heading, translated
where shown), icon. `app.py` builds the navigation from it; the browser tests and the serving bench visit every page by
its URL path (the file's name; the first page is the default, at "/")."""

from __future__ import annotations

from pathlib import Path

from dashboards.i18n import N_

PAGES_DIR = Path(__file__).parent / "app_pages"
PAGES = (
    ("overview", N_("Overview"), ":material/dashboard:"),
    ("participation", N_("Participation"), ":material/groups:"),
    ("decisions", N_("Decisions & delivery"), ":material/how_to_vote:"),
    ("initiatives", N_("Initiatives & milestones"), ":material/flag:"),
    ("treasury", N_("Treasury"), ":material/account_balance:"),
    ("local_value", N_("Local value"), ":material/storefront:"),
    ("time_bank", N_("Time bank"), ":material/schedule:"),
    ("data_audit", N_("Data & audit"), ":material/verified:"),
)
# Pages of one item, opened from the lists and charts with its id (`/initiative?id=…`): not in the menu.
ITEM_PAGES = (
    ("initiative", N_("Initiative"), ":material/flag:"),
    ("decision", N_("Decision"), ":material/gavel:"),
)
# url path -> page heading; the Overview is the default page at "/"
HEADINGS = {("" if i == 0 else name): title for i, (name, title, _) in enumerate(PAGES)}
