"""Verified data releases: Parquet + CSV, a signed Frictionless descriptor, SHA256SUMS, and the verifier.

Importable without Dagster or Great Expectations (quality.py, which needs GX, is imported on its own).
"""

from pipelines.release.signing import SigningKeyConfig
from pipelines.release.verify import Check, VerifyReport, verify_release
from pipelines.release.write import switch_latest, write_release

__all__ = ["Check", "SigningKeyConfig", "VerifyReport", "switch_latest", "verify_release", "write_release"]
