"""Data & audit, the public log: what this release is, how to check it, and what each load kept or refused."""

import pandas as pd
import streamlit as st

from dashboards import filters, queries, releases, ui, verify_box

release = ui.require_release()
source = filters.source_filter(release)
descriptor = release.descriptor

st.title("Data & audit")
st.markdown("Every figure on this dashboard comes from the release below; download it and check it yourself.")

st.header("This release")
signing = descriptor.get("togetheros:signing") or {}
quality = descriptor.get("togetheros:quality") or {}
previous = descriptor.get("togetheros:previous")
key_note = " (development key: not for production trust)" if signing.get("development_key") else ""
previous_text = f"`{previous['id']}`" if previous else "none (first release)"
st.markdown(
    "\n".join(
        [
            f"- **Release:** `{release.id}`",
            f"- **Created:** {release.created or 'unknown'}",
            f"- **Data as of:** {release.data_as_of or 'unknown'} (the latest of the datasets' own dates, "
            "listed below)",
            f"- **Signature:** {signing.get('algorithm', 'unknown')}, "
            f"key `{signing.get('key_id', 'unknown')}`{key_note}",
            f"- **Quality checks:** {quality.get('status', 'unknown')}",
            f"- **Previous release:** {previous_text}",
            f"- **Small-cell rule:** counts below {release.min_count} read “fewer than {release.min_count}”",
        ]
    )
)

st.header("Datasets")
datasets = [r for r in release.resources if r.format == "parquet"]
st.dataframe(
    pd.DataFrame(
        [
            {
                "Dataset": r.name,
                "Format": r.format,
                "Rows": r.rows,
                "Data as of": r.data_as_of,
                "Bytes": r.bytes,
                "SHA-256": r.sha256,
            }
            for r in release.resources
        ]
    ),
    hide_index=True,
    height="content",
)
for resource in datasets:
    name_column, parquet_column, csv_column = st.columns([2, 1, 1], vertical_alignment="center")
    name_column.markdown(f"`{resource.name}` · {resource.rows if resource.rows is not None else '?'} rows")
    for column, file in ((parquet_column, resource), (csv_column, release.resource(f"{resource.name}-csv"))):
        if file is not None:
            column.download_button(
                file.format.upper(),
                data=lambda path=file.path: releases.file_bytes(release, path),
                file_name=f"{resource.name}.{file.format}",
                mime="text/csv" if file.format == "csv" else "application/vnd.apache.parquet",
                key=f"download_{file.name}",
                on_click="ignore",
                icon=":material/download:",
            )
st.download_button(
    "Whole release (zip)",
    data=lambda: releases.package_zip(release.path, release.id),
    file_name=f"togetheros-release-{release.id}.zip",
    mime="application/zip",
    key="download_package",
    on_click="ignore",
    icon=":material/folder_zip:",
    type="primary",
)

st.header("How to verify")
with st.container(border=True, key="how_to_verify"):
    files_url = verify_box.files_url()
    intro, commands = verify_box.steps(release, files_url)
    st.markdown(intro)
    if files_url is None:
        st.caption("The release files server is not running beside this dashboard (`togetheros serve` starts it).")
    # wrapped on a phone: a box that scrolls sideways cannot be reached from the keyboard (axe-core's
    # scrollable-region-focusable); each step stays one line on a desktop
    st.code(commands, language="bash", wrap_lines=True)

st.header("Loads: records read, accepted and quarantined")
if release.has_dataset("load_audit"):
    audit = queries.load_audit(release, source)
    st.dataframe(
        audit.rename(
            columns={
                "source": "Source", "entity": "Entity", "files": "Files", "rows_read": "Read",
                "rows_accepted": "Accepted", "rows_quarantined": "Quarantined",
            }
        ),
        hide_index=True,
    )  # fmt: skip
else:
    ui.not_in_release("The load audit")

st.header("Why records were quarantined")
if release.has_dataset("quarantine_reasons"):
    reasons = queries.quarantine_reasons(release, source)
    if reasons.empty:
        st.success("No record was quarantined" + (f" from {source}." if source else "."))
    else:
        st.dataframe(
            reasons.rename(columns=str.capitalize),
            hide_index=True,
        )
else:
    ui.not_in_release("Quarantine reasons")

st.header("Files refused")
if release.has_dataset("file_outcomes"):
    refused = queries.refused_files(release, source)
    if refused.empty:
        st.success("Every landed file was loaded" + (f" from {source}." if source else "."))
    else:
        st.markdown(
            "Nothing of a refused file was loaded; the rest of the run went on without it. The reason says what to do."
        )
        st.dataframe(
            refused.rename(columns={"source": "Source", "file_name": "File", "rule": "Rule", "message": "Reason"}),
            hide_index=True,
        )
else:
    ui.not_in_release("The list of refused files")

if release.has_dataset("federation_members"):  # a hub: its figures come from its members' releases
    st.header("Members")
    st.markdown(
        "This release is a hub's: its figures roll up the signed releases of the member instances below, "
        "each verified against the member's pinned key. A member offline or refused keeps its last accepted "
        "release, shown with its date."
    )
    st.dataframe(
        queries.federation_members(release).rename(
            columns={
                "member": "Member", "group_id": "Hub group", "key_id": "Key", "release_id": "Release used",
                "data_as_of": "Data as of", "status": "Status", "last_check": "Last check",
                "last_refusal": "Last refusal",
            }
        ),
        hide_index=True,
    )  # fmt: skip
