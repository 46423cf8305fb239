"""The privacy gate: a new release, before it becomes `latest`, holds no email, IP address, phone
number, nor anyone's name, handle or email found in the landed inputs (API pages included), nor any
of the extra terms configured for the data directory (`Paths.privacy_terms`; the demo writes its
canaries there). A finding fails the run; the release is never promoted and is moved to the private
quarantine folder."""

from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from pipelines.assets.release import release, release_candidate
from pipelines.assets.resources import DataDir
from pipelines.privacy import forbidden_terms, scan_release
from pipelines.privacy.people import UnreadableInputs
from pipelines.release.quarantine import quarantine_release

MAX_FINDINGS_SHOWN = 50


def extra_terms(path: Path) -> list[str]:
    """The terms of an extra-terms file, one per line (blank lines and `#` comments skipped); none when
    the file does not exist."""
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def privacy_result(
    release_dir: Path, landing_dir: Path, extra: Iterable[str] = (), record_dir: Path | None = None
) -> dg.AssetCheckResult:
    """Scan one release for personal data, with the people of the landed inputs and `extra` as the terms;
    with `record_dir`, only what the last clean scan recorded there did not examine (see `scan_record`)."""
    try:
        terms = forbidden_terms(landing_dir, extra)
    except UnreadableInputs as error:  # fail closed, naming the files, rather than stop the run
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"cannot check the release: {error}",
            metadata={"findings": 0, "unreadable_inputs": dg.MetadataValue.json(error.files), "first_findings": []},
        )
    findings = scan_release(release_dir, terms, record_dir)
    return dg.AssetCheckResult(
        passed=not findings,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(findings)} personal-data finding(s)" if findings else "no personal data found",
        metadata={
            "findings": len(findings),
            "terms_searched": len(terms),
            # redacted: where, and which kind, never the value
            "first_findings": dg.MetadataValue.json([str(f) for f in findings[:MAX_FINDINGS_SHOWN]]),
        },
    )


@dg.asset_check(
    asset=release,
    blocking=True,
    description="No personal data (emails, IPs, phones, people from the inputs) in the release.",
)
def release_has_no_personal_data(context: dg.AssetCheckExecutionContext, data_dir: DataDir) -> dg.AssetCheckResult:
    paths = data_dir.paths()
    candidate = release_candidate(context.instance)
    result = privacy_result(candidate, paths.landing, extra_terms(paths.privacy_terms), paths.warehouse.parent)
    if not result.passed:  # never published: out of releases/, into the private quarantine
        moved = quarantine_release(
            candidate,
            paths.quarantine,
            f"failed the blocking check release_has_no_personal_data: {result.description}",
            result.metadata["first_findings"].value,
        )
        context.log.error(f"release {candidate.name} moved to {moved}: it is never published")
    return result


privacy_checks = [release_has_no_personal_data]
