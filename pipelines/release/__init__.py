"""Verified data releases: Parquet + CSV, a signed Frictionless descriptor, SHA256SUMS, and the verifier.

Importable without Dagster or Great Expectations (quality.py, which needs GX, is imported on its own).
"""

from pipelines.release.signing import SigningKeyConfig
from pipelines.release.trust import TrustDecision, verify_member_release
from pipelines.release.verify import Accepted, Check, VerifyReport, verify_release
from pipelines.release.write import switch_latest, write_release

__all__ = [
    "Accepted",
    "Check",
    "SigningKeyConfig",
    "TrustDecision",
    "VerifyReport",
    "switch_latest",
    "verify_member_release",
    "verify_release",
    "write_release",
]
