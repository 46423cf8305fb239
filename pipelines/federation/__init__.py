"""Hub mode: an instance whose sources are its members' signed releases (docs/federation.md).

config (federation.yaml) → intake (fetch, land by SHA-256, verify against the pinned key, hub state)
→ rollup (the hub's public datasets from the accepted members' Parquet) → the hub's own signed release.
No Dagster here: the assets in pipelines/assets/federation.py call these."""
