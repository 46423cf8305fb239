"""README.md of a release: a data card for people.

It is covered by SHA256SUMS, so it holds nothing that changes between two runs on the same inputs
(no creation time, no release id): those live in the signed datapackage.json.
"""

from __future__ import annotations

from collections.abc import Mapping


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_readme(
    *,
    dataset_docs: Mapping[str, Mapping],
    row_counts: Mapping[str, int],
    metrics: list[dict],
    min_count: int,
    license_id: str,
    data_as_of: str,
    code_commit: str,
    development_key: bool,
    key_id: str,
    quality_status: str,
    previous_id: str | None,
    lineage_files: int,
) -> str:
    lines = ["# TogetherOS Transparency — data release", ""]
    if development_key:
        lines += [
            "> **Signed with a development key.** This release was signed with a key generated on the "
            "machine that built it, not with the community's configured key. Treat its signature as a "
            "check against accidental damage only, not as proof of who published it.",
            "",
        ]
    lines += [
        "Public, pseudonymous and aggregated figures about participation, decisions and treasury flows of "
        "TogetherOS communities. People never appear by name; small counts of people are suppressed.",
        "",
        f"- Data as of: {data_as_of}",
        f"- License: {license_id}",
        f"- Built from code commit: `{code_commit}`",
        f"- Built from {lineage_files} landing file(s), listed with their SHA-256 in `lineage.csv` "
        "(the `lineage` resource of `datapackage.json`)",
        f"- Data-quality checks: **{quality_status}** (details in `quality-report.json`)",
        f"- Signing key id: `{key_id}` ({'development' if development_key else 'configured'} key, "
        "public key in `signing-key.pub`)",
        f"- Previous release: {previous_id or 'none (first release)'}; what changed is in `changes.json`",
        "",
        "## Datasets",
        "",
        "Every dataset is published twice, with the same rows in the same order: `data/<name>.parquet` and "
        "`data/<name>.csv`. In the CSV, a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage "
        "return carries a leading apostrophe so spreadsheets show it instead of running it as a formula.",
        "",
    ]
    for name in sorted(dataset_docs):
        docs = dataset_docs[name]
        lines += [
            f"### {name}",
            "",
            docs["description"],
            "",
            f"Rows: {row_counts[name]}. Primary key: {', '.join(docs['primary_key']) or 'none'}.",
            "",
            "| column | meaning |",
            "|---|---|",
        ]
        lines += [f"| `{column}` | {_cell(text)} |" for column, text in docs["columns"].items()]
        lines.append("")
    lines += [
        "## Small counts",
        "",
        f"Counts of people below {min_count} are published as empty (null) with `is_suppressed = true`; "
        f'dashboards show them as "fewer than {min_count}".',
        "",
    ]
    if metrics:
        lines += [
            "## Metrics",
            "",
            "| metric | definition | unit | grain | caveats |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(m.get('label', m['name']))} (`{m.get('resource')}.{m.get('field')}`) | "
            f"{_cell(m.get('definition', ''))} | {_cell(m.get('unit', ''))} | {_cell(m.get('grain', ''))} | "
            f"{_cell(m.get('caveats', ''))} |"
            for m in metrics
        ]
        lines.append("")
    lines += [
        "## Verifying this release",
        "",
        "1. `sha256sum -c SHA256SUMS` checks every data file and document.",
        "2. `ssh-keygen -Y verify -f <your allowed_signers> -I togetheros-release-signer -n togetheros-release "
        "-s datapackage.json.sshsig < datapackage.json` checks the signature with OpenSSH, against the "
        "community's key as you got it (compare it with `allowed_signers` here).",
        "3. `togetheros verify <this folder> --key <the community's published key>` checks the signature, "
        "hashes, schemas, row counts and recomputes the headline figures from the published facts.",
        "4. `frictionless validate datapackage.json` checks the package against the Data Package standard.",
        "",
        "The auditor guide (`docs/auditor-guide.md` in the project) explains each step.",
        "",
    ]
    return "\n".join(lines)
