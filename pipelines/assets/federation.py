"""Hub mode in Dagster: one intake asset partitioned by member (dynamic partitions, kept in step with
federation.yaml by a sensor that also requests each member's intake), and one hub release built
whenever any member's intake ran: dbt is never run per member, the roll-up reads the members' Parquet.

`hub_definitions` is what `defs` loads when the data dir's community folder has a federation.yaml."""

import dagster as dg

from pipelines.assets.resources import DataDir, Disclosure, Signing
from pipelines.federation.config import config_path, load_config
from pipelines.federation.hub import intake_member, publish_hub
from pipelines.release.signing import SigningKeyConfig
from pipelines.settings import git_commit

member_partitions = dg.DynamicPartitionsDefinition(name="federation_members")


def _config(data_dir: DataDir):
    return load_config(config_path(data_dir.paths().inbox / "community"))


@dg.asset(key=["federation", "member_release"], partitions_def=member_partitions, group_name="federation")
def member_release(context: dg.AssetExecutionContext, data_dir: DataDir) -> dg.MaterializeResult:
    """The member's newest release, fetched, landed and verified; accepted or refused (the reason is
    in the hub state and in this materialization's metadata)."""
    result = intake_member(_config(data_dir), data_dir.paths(), context.partition_key)
    if result.outcome in ("refused", "offline"):
        context.log.warning(f"{result.member}: {result.outcome}: {result.refusal}: {result.reason}")
    return dg.MaterializeResult(
        metadata={
            "outcome": result.outcome,
            "release_id": result.release_id or "",
            "refusal": result.refusal or "",
            "reason": result.reason or "",
        }
    )


@dg.asset(
    key=["federation", "hub_release"],
    deps=[member_release],
    group_name="federation",
    automation_condition=dg.AutomationCondition.any_deps_updated(),
)
def hub_release(data_dir: DataDir, disclosure: Disclosure, signing: Signing) -> dg.MaterializeResult:
    """The hub's signed release from every member's last accepted release."""
    paths = data_dir.paths()
    release = publish_hub(
        _config(data_dir),
        paths,
        SigningKeyConfig.from_env(signing.environment(), paths.data),
        disclosure.min_count,
        code_commit=git_commit(),
    )
    return dg.MaterializeResult(metadata={"release": str(release) if release else "none accepted yet"})


member_intake_job = dg.define_asset_job("federation_member_intake", selection=[member_release])


@dg.sensor(job=member_intake_job, minimum_interval_seconds=3600)
def members_sensor(context: dg.SensorEvaluationContext, data_dir: DataDir) -> dg.SensorResult:
    """Keep one partition per member of federation.yaml and ask for every member's intake each hour."""
    names = [m.name for m in _config(data_dir).members]
    known = set(context.instance.get_dynamic_partitions(member_partitions.name))
    gone = sorted(known - set(names))
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=name, run_key=None) for name in names],
        dynamic_partitions_requests=[
            member_partitions.build_add_request([n for n in names if n not in known]),
            *([member_partitions.build_delete_request(gone)] if gone else []),
        ],
    )


def hub_definitions(resources: dict) -> dg.Definitions:
    return dg.Definitions(
        assets=[member_release, hub_release],
        jobs=[member_intake_job],
        sensors=[members_sensor],
        resources=resources,
        executor=dg.in_process_executor,
    )
