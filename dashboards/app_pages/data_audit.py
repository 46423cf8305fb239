"""Data & audit, the public log: what this release is, how to check it, and what each load kept or refused."""

import pandas as pd
import streamlit as st

from dashboards import filters, queries, releases, ui, verify_box
from dashboards.i18n import N_, _

QUARANTINE_COLUMNS = {"source": N_("Source"), "entity": N_("Entity"), "rule": N_("Rule"), "records": N_("Records")}

release = ui.require_release()
source = filters.source_filter(release)
descriptor = release.descriptor

st.title(_("Data & audit"))
st.markdown(_("Every figure on this dashboard comes from the release below; download it and check it yourself."))

st.header(_("This release"))
signing = descriptor.get("togetheros:signing") or {}
quality = descriptor.get("togetheros:quality") or {}
previous = descriptor.get("togetheros:previous")
unknown = _("unknown")
key_note = _(" (development key: not for production trust)") if signing.get("development_key") else ""
previous_text = f"`{previous['id']}`" if previous else _("none (first release)")
facts = (
    (_("Release"), f"`{release.id}`"),
    (_("Created"), release.created or unknown),
    (
        _("Data as of"),
        _("{day} (the latest of the datasets' own dates, listed below)").format(day=release.data_as_of or unknown),
    ),
    (
        _("Signature"),
        _("{algorithm}, key {key}").format(
            algorithm=signing.get("algorithm", unknown), key=f"`{signing.get('key_id', unknown)}`"
        )
        + key_note,
    ),
    (_("Quality checks"), quality.get("status", unknown)),
    (_("Previous release"), previous_text),
    (_("Small-cell rule"), _("counts below {count} read “fewer than {count}”").format(count=release.min_count)),
)
st.markdown("\n".join(f"- **{name}:** {text}" for name, text in facts))

st.header(_("Datasets"))
datasets = [r for r in release.resources if r.format == "parquet"]
st.dataframe(
    pd.DataFrame(
        [
            {
                _("Dataset"): r.name,
                _("Format"): r.format,
                _("Rows"): r.rows,
                _("Data as of"): r.data_as_of,
                _("Bytes"): r.bytes,
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
    rows = _("{count} rows").format(count=resource.rows if resource.rows is not None else "?")
    name_column.markdown(f"`{resource.name}` · {rows}")
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
    _("Whole release (zip)"),
    data=lambda: releases.package_zip(release.path, release.id),
    file_name=f"togetheros-release-{release.id}.zip",
    mime="application/zip",
    key="download_package",
    on_click="ignore",
    icon=":material/folder_zip:",
    type="primary",
)

st.header(_("How to verify"))
with st.container(border=True, key="how_to_verify"):
    files_url = verify_box.files_url()
    intro, commands = verify_box.steps(release, files_url)
    st.markdown(intro)
    if files_url is None:
        st.caption(_("The release files server is not running beside this dashboard (`togetheros serve` starts it)."))
    # wrapped on a phone: a box that scrolls sideways cannot be reached from the keyboard (axe-core's
    # scrollable-region-focusable); each step stays one line on a desktop
    st.code(commands, language="bash", wrap_lines=True)

st.header(_("Loads: records read, accepted and quarantined"))
if release.has_dataset("load_audit"):
    audit = queries.load_audit(release, source)
    st.dataframe(
        audit.rename(
            columns={
                "source": _("Source"), "entity": _("Entity"), "files": _("Files"), "rows_read": _("Read"),
                "rows_accepted": _("Accepted"), "rows_quarantined": _("Quarantined"),
            }
        ),
        hide_index=True,
    )  # fmt: skip
else:
    ui.not_in_release(_("The load audit"))

st.header(_("Why records were quarantined"))
if release.has_dataset("quarantine_reasons"):
    reasons = queries.quarantine_reasons(release, source)
    if reasons.empty:
        st.success(
            _("No record was quarantined from {source}.").format(source=source)
            if source
            else _("No record was quarantined.")
        )
    else:
        st.dataframe(
            reasons.rename(columns=lambda name: _(QUARANTINE_COLUMNS.get(name, name.capitalize()))),
            hide_index=True,
        )
else:
    ui.not_in_release(_("Quarantine reasons"))

st.header(_("Files refused"))
if release.has_dataset("file_outcomes"):
    refused = queries.refused_files(release, source)
    if refused.empty:
        st.success(
            _("Every landed file was loaded from {source}.").format(source=source)
            if source
            else _("Every landed file was loaded.")
        )
    else:
        st.markdown(
            _(
                "Nothing of a refused file was loaded; the rest of the run went on without it."
                " The reason says what to do."
            )
        )
        st.dataframe(
            refused.rename(
                columns={"source": _("Source"), "file_name": _("File"), "rule": _("Rule"), "message": _("Reason")}
            ),
            hide_index=True,
        )
else:
    ui.not_in_release(_("The list of refused files"))

if release.has_dataset("federation_members"):  # a hub: its figures come from its members' releases
    st.header(_("Members"))
    st.markdown(
        _(
            "This release is a hub's: its figures roll up the signed releases of the member instances below, "
            "each verified against the member's pinned key. A member offline or refused keeps its last accepted "
            "release, shown with its date."
        )
    )
    st.dataframe(
        queries.federation_members(release).rename(
            columns={
                "member": _("Member"), "group_id": _("Hub group"), "key_id": _("Key"), "release_id": _("Release used"),
                "data_as_of": _("Data as of"), "status": _("Status"), "last_check": _("Last check"),
                "last_refusal": _("Last refusal"),
            }
        ),
        hide_index=True,
    )  # fmt: skip
