"""The pipeline's stages as Dagster materializations in this process, one asset selection each, so the
measured pipeline is the real one (the same Definitions, resources and in-process executor as the CLI)."""

from __future__ import annotations

from pathlib import Path

# Stage name -> what it materializes; checks on the selected assets run with them.
STAGES = ("land", "load", "dbt_build", "quality", "release")


def _selections():
    import dagster as dg

    from pipelines.assets.transform import dbt_models

    return {
        "land": dg.AssetSelection.key_prefixes("landing"),
        "load": dg.AssetSelection.key_prefixes("raw"),
        "dbt_build": dg.AssetSelection.assets(dbt_models),
        "quality": dg.AssetSelection.keys(dg.AssetKey(["release", "quality_report"])),
        # written, checked, then promoted to `latest`
        "release": dg.AssetSelection.keys(dg.AssetKey(["release", "release"]), dg.AssetKey(["release", "latest"])),
    }


class StageFailed(RuntimeError):
    pass


class Pipeline:
    """Materializes one stage (or everything) against one data directory, with an ephemeral instance."""

    def __init__(self, data_dir: Path):
        import dagster as dg

        from pipelines.assets.resources import DataDir
        from pipelines.definitions import build_definitions

        defs = build_definitions({"data_dir": DataDir(path=str(data_dir))})
        self._dg = dg
        self._assets = [*defs.assets, *defs.asset_checks]
        self._resources = dict(defs.resources)
        self._selections = _selections()

    def run(self, stage: str | None) -> list[str]:
        """Materialize `stage` (None: every asset, as `togetheros pipeline` does); raise if a step failed.

        Returns the asset checks that did not pass (warn-level dbt tests among them): recorded, not fatal.
        """
        dg = self._dg
        result = dg.materialize(
            self._assets,
            resources=self._resources,
            instance=dg.DagsterInstance.ephemeral(),
            selection=None if stage is None else self._selections[stage],
            raise_on_error=False,
        )
        if not result.success:
            failed = [e.step_key for e in result.all_events if e.is_step_failure]
            raise StageFailed(f"{stage or 'pipeline'} failed in: {', '.join(failed) or 'unknown step'}")
        return [
            f"{e.asset_check_evaluation_data.asset_key.to_user_string()}:{e.asset_check_evaluation_data.check_name}"
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed
        ]
