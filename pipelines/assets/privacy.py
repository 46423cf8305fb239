"""The privacy gate: a new release, before it becomes `latest`, holds no email, IP address, phone
number, nor anyone's name, handle or email found in the landed inputs (API pages included).
A finding fails the run and the release is never promoted."""

from pathlib import Path

import dagster as dg

from pipelines.assets.publish import release, release_candidate
from pipelines.assets.resources import DataDir
from pipelines.privacy import forbidden_terms, scan_release

MAX_FINDINGS_SHOWN = 50


def privacy_result(release_dir: Path, landing_dir: Path) -> dg.AssetCheckResult:
    """Scan one release for personal data, with the people of the landed inputs as the terms."""
    terms = forbidden_terms(landing_dir)
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
    return privacy_result(release_candidate(context.instance), data_dir.paths().landing)


privacy_checks = [release_has_no_personal_data]
