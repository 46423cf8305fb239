"""What the community maintains by hand (data/inbox/community/).

- `space_groups.csv` (`source,space_id,group_id`): which TogetherOS group a Discourse category, Decidim
  component, Open Collective account, ledger file or TimeOverflow organization belongs to.
- `local_payees.csv` (`counterparty,is_local`): which counterparties count as local.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from pipelines.sources.contracts import Checked, load_contract
from pipelines.sources.csv_files import check_csv
from pipelines.sources.quarantine import refuse_file, unreadable

SOURCE = "community"
FILES = {"space_groups.csv": "space_groups", "local_payees.csv": "local_payees"}


def parse(path: Path, file_name: str, landing_sha256: str) -> dict[str, Checked]:
    contracts = load_contract(SOURCE)
    entity = FILES.get(PurePosixPath(file_name).name.lower())
    if entity is None:
        contract = contracts["space_groups"]
        return {
            "space_groups": refuse_file(
                contract, landing_sha256, file_name, "file:unknown_name", f"expected one of {sorted(FILES)}"
            )
        }
    try:
        return {entity: check_csv(path, file_name, landing_sha256, contracts[entity])}
    except (OSError, ValueError) as error:
        return {entity: unreadable(contracts[entity], landing_sha256, file_name, error)}
