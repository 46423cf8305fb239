"""Participation: active members per month for the chosen group, against the previous period."""

import pandas as pd
import streamlit as st

from dashboards import data, filters, sections, ui
from dashboards.formatting import format_count, month_key, month_label

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = filters.period_filter(release)

st.title("Participation")
ui.scope_caption(release, group, period)
metric = release.metric("participation_monthly", "active_members")
if metric:
    st.markdown(f"**{metric.label}.** {metric.definition}")

sections.participation_trend(release, group, period)

if release.has_dataset("participation_monthly") and period is not None:
    rows = data.participation_monthly(release, group.group_id, period.start, period.end)
    if not rows.empty:
        table = pd.DataFrame(
            {
                "Month": [month_label(month_key(m)) for m in rows["month"]],
                "Active members": [
                    format_count(v, s, release.min_count)
                    for v, s in zip(rows["active_members"], rows["is_suppressed"], strict=True)
                ],
            }
        )
        st.dataframe(table, hide_index=True, height="content")
