"""Alerts (issue 14, item 2): what became overdue, stalled or stale in a release, compared with the
release before it. `feed` finds them and writes them into the release as Atom feeds (part of the
signed file set); `webhook` posts a release's new alerts to configured URLs. No Dagster import here."""
