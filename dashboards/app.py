"""Entry point of the public dashboard: `streamlit run dashboards/app.py`.

Only chooses the language and builds the navigation (the pages: `navigation.PAGES`); each page under
app_pages/ does filters → query → chart.
"""

from pathlib import Path

import streamlit as st

from dashboards import filters, i18n
from dashboards.i18n import _
from dashboards.navigation import ITEM_PAGES, PAGES, PAGES_DIR

# the icon is a file of ours: a Material icon as page icon is fetched from fonts.gstatic.com, and the
# dashboard asks no host but its own
FAVICON = Path(__file__).with_name("favicon.png")
st.set_page_config(page_title="TogetherOS Transparency", page_icon=str(FAVICON), layout="wide")

# the language first, for everything this run writes: the switcher's last choice, else `?lang=`, else
# the configured one; kept in the address like the filters (page navigation clears it)
i18n.set_language(st.session_state.get(f"filter_{i18n.PARAM}") or st.query_params.get(i18n.PARAM) or i18n.configured())
language = filters.language_filter()
# Streamlit has no setting for <html lang> (screen readers pick their voice from it); section headings
# on a phone are made clearly smaller than the page's title
st.html(
    f"<script>document.documentElement.lang = {language!r};</script>"
    "<style>@media (max-width: 640px) { [data-testid='stMain'] h2 { font-size: 1.3rem; } }</style>",
    unsafe_allow_javascript=True,
)

pages = [
    st.Page(PAGES_DIR / f"{name}.py", title=_(title), icon=icon, default=i == 0)
    for i, (name, title, icon) in enumerate(PAGES)
] + [
    st.Page(PAGES_DIR / f"{name}.py", title=_(title), icon=icon, visibility="hidden")
    for name, title, icon in ITEM_PAGES
]
st.navigation(pages).run()
