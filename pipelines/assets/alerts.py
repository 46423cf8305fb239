"""After promotion: post the new release's alerts (pipelines/alerts/) to the configured webhooks.

Runs after `release/latest`, in every run of the pipeline (`togetheros pipeline`, `make dev`). The
Atom feeds need nothing here: they are files of the release. A webhook that fails is logged as a
warning and shown in the materialization's metadata; it never fails the run (the release is out)."""

import dagster as dg

from pipelines.alerts.webhook import post_alerts
from pipelines.assets.release import latest
from pipelines.assets.resources import Alerts, DataDir
from pipelines.release.layout import latest_release

STATE_FILE = "webhooks.json"  # under <data_dir>/alerts/: the release each webhook was last given


@dg.asset(
    key=["release", "alerts"],
    deps=[latest],
    group_name="release",
    kinds={"atom"},
    description="Posts the latest release's new alerts (overdue, stalled, stale) to the configured webhooks.",
)
def alerts(context: dg.AssetExecutionContext, data_dir: DataDir, alerts: Alerts) -> dg.MaterializeResult:
    paths = data_dir.paths()
    release_dir = latest_release(paths.releases)
    urls = alerts.urls()
    deliveries = post_alerts(
        release_dir,
        urls,
        paths.data / "alerts" / STATE_FILE,
        timeout=alerts.timeout_seconds,
        retries=alerts.retries,
    )
    for delivery in deliveries:
        if delivery.delivered:
            context.log.info(f"alerts: webhook {delivery.host}: {delivery.message}")
        else:
            context.log.warning(f"alerts: webhook {delivery.host} failed: {delivery.message}")
    return dg.MaterializeResult(
        metadata={
            "release_id": release_dir.name,
            "webhooks": len(urls),
            "delivered": sum(d.delivered for d in deliveries),
            "failed": dg.MetadataValue.json(
                [{"host": d.host, "why": d.message} for d in deliveries if not d.delivered]
            ),
        }
    )
