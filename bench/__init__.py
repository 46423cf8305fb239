"""The benchmark harness: the real pipeline, stage by stage, against baselines measured in the same run.

    uv run python -m bench --scales 1000000,10000000
    uv run python -m bench --smoke

See docs/scaling.md for what is measured and why.
"""
