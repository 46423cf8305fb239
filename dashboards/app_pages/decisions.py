"""Decisions & delivery: where the group's proposals stand in their lifecycle."""

import pandas as pd
import streamlit as st

from dashboards import data, filters, sections, ui
from dashboards.formatting import format_count

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))

st.title("Decisions & delivery")
ui.scope_caption(release, group, None)
metric = release.metric("proposals_by_stage", "proposals")
if metric:
    st.markdown(f"**{metric.label}.** {metric.definition}")

sections.proposals_chart(release, group)

if release.has_dataset("proposals_by_stage"):
    stages = data.proposals_by_stage(release, group.group_id)
    table = pd.DataFrame(
        {
            "Stage": stages["stage"].str.capitalize(),
            "Proposals": [
                format_count(v, s, release.min_count)
                for v, s in zip(stages["proposals"], stages["is_suppressed"], strict=True)
            ],
        }
    )
    st.dataframe(table, hide_index=True)

st.subheader("Delivery")
st.markdown(
    "Decision-to-delivery times and on-time delivery rates will appear here once initiatives are published."
)
ui.not_in_release("Delivery rates")
