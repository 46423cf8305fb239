"""Entry point of the public dashboard: `streamlit run dashboards/app.py`.

Only builds the navigation; each page under app_pages/ does filters → query → chart.
"""

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="TogetherOS Transparency", page_icon=":material/public:", layout="wide")

pages = [
    st.Page(PAGES_DIR / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page(PAGES_DIR / "participation.py", title="Participation", icon=":material/groups:"),
    st.Page(PAGES_DIR / "decisions.py", title="Decisions & delivery", icon=":material/how_to_vote:"),
    st.Page(PAGES_DIR / "initiatives.py", title="Initiatives & milestones", icon=":material/flag:"),
    st.Page(PAGES_DIR / "treasury.py", title="Treasury", icon=":material/account_balance:"),
    st.Page(PAGES_DIR / "local_value.py", title="Local value", icon=":material/storefront:"),
    st.Page(PAGES_DIR / "time_bank.py", title="Time bank", icon=":material/schedule:"),
    st.Page(PAGES_DIR / "data_audit.py", title="Data & audit", icon=":material/verified:"),
]
st.navigation(pages).run()
