"""Privacy: the personal-data scanner that every release must pass (no Dagster import here)."""

from pipelines.privacy.scan import Finding, forbidden_terms, scan_release, scan_text

__all__ = ["Finding", "forbidden_terms", "scan_release", "scan_text"]
