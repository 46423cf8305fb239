"""Entry point of the public dashboard: `streamlit run dashboards/app.py`.

Only builds the navigation (the pages: `navigation.PAGES`); each page under app_pages/ does
filters → query → chart.
"""

import streamlit as st

from dashboards.navigation import ITEM_PAGES, PAGES, PAGES_DIR

st.set_page_config(page_title="TogetherOS Transparency", page_icon=":material/public:", layout="wide")

pages = [
    st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, default=i == 0)
    for i, (name, title, icon) in enumerate(PAGES)
] + [st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, visibility="hidden") for name, title, icon in ITEM_PAGES]
st.navigation(pages).run()
