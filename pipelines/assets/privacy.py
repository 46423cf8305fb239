"""The privacy gate: a new release, before it becomes `latest`, holds no email, IP address, phone
number, nor anyone's name, handle or email found in the landed inputs (API pages included), nor any
of the extra terms configured for the data directory (`Paths.privacy_terms`; the demo writes its
canaries there). A finding fails the run and the release is never promoted."""

from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from pipelines.assets.release import release, release_candidate
from pipelines.assets.resources import DataDir
from pipelines.privacy import forbidden_terms, scan_release

MAX_FINDINGS_SHOWN = 50


def extra_terms(path: Path) -> list[str]:
    """The terms of an extra-terms file, one per line (blank lines and `#` comments skipped); none when
    the file does not exist."""
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def privacy_result(release_dir: Path, landing_dir: Path, extra: Iterable[str] = ()) -> dg.AssetCheckResult:
    """Scan one release for personal data, with the people of the landed inputs and `extra` as the terms."""
    terms = forbidden_terms(landing_dir, extra)
    findings = scan_release(release_dir, terms)
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
    return privacy_result(release_candidate(context.instance), paths.landing, extra_terms(paths.privacy_terms))


privacy_checks = [release_has_no_personal_data]
