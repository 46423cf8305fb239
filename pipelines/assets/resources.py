"""The one resource every stage shares: where the data directory is."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.settings import Paths


class DataDir(dg.ConfigurableResource):
    """Root of inbox/, landing/, warehouse/ and releases/. Empty means TOGETHEROS_DATA_DIR or ./data."""

    path: str = ""

    def paths(self) -> Paths:
        paths = Paths.from_env({"TOGETHEROS_DATA_DIR": self.path} if self.path else None)
        # dbt and its pseudonym plugin run in a subprocess and find the warehouse through this
        os.environ["TOGETHEROS_DATA_DIR"] = str(paths.data)
        return paths
