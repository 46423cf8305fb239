"""Open Collective: both CSV generations, truncated exports, the real Astro export, reconciliation,
and the GraphQL fetcher against a local fake of the API (pagination, dateFrom, 429, 500, cut JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.sources.http import ApiClient, ApiError
from pipelines.sources.opencollective import fetch as oc_api
from pipelines.sources.opencollective import parse as oc
from pipelines.sources.opencollective import reconcile as oc_reconcile
from tests.fakes.opencollective_api import RATE_LIMIT, FakeOpenCollective, make_transaction
from tests.fakes.server import SERVER_ERROR, TRUNCATED_JSON, FakeServer
from tests.sources.checks import assert_corpus_case

REAL = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata" / "opencollective" / "astro_oc_transactions.csv"
)
TOKEN = "oc-personal-token-0123456789"

KEY_HEADER = (
    "datetime,shortId,shortGroup,description,type,kind,isRefund,isRefunded,shortRefundId,displayAmount,"
    "amount,netAmount,balance,currency,accountSlug,accountName,oppositeAccountSlug,oppositeAccountName,"
    "paymentMethodService,paymentMethodType,expenseType,expenseTags,payoutMethodType,merchantId,orderMemo,"
    "orderProcessedDate,refundKind"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def parse_text(tmp_path: Path, text: str, name: str = "coop-transactions.csv"):
    result = oc.parse(write(tmp_path, name, text), name, "sha-test")["transactions"]
    assert result.rows_read == result.accepted.height + result.quarantined.height
    return result


def test_key_header_export_gives_minor_units_utc_and_refunds(tmp_path):
    text = (
        "\n".join(
            [
                KEY_HEADER,
                "2024-03-05T10:12:03,3d2f1c9e,9b1e77aa,Monthly contribution,CREDIT,CONTRIBUTION,,,,"
                "$10.00 USD,10,8.71,1520.33,USD,coop-commons,Coop Commons,maria-p,Maria P,stripe,creditcard,"
                ",,,,,2024-03-05,",
                '2024-03-06T08:00:00,4e3f2d1a,9c2f88bb,"Refund of ""Printing, flyers""",'
                "CREDIT,EXPENSE,REFUND,,,"
                "-$454.99 USD,454.99,454.99,1975.32,USD,coop-commons,Coop Commons,printer,Printer,,,,"
                '"print, flyers",,,,,REFUND',
            ]
        )
        + "\n"
    )
    result = parse_text(tmp_path, text)
    assert result.quarantined.height == 0
    rows = result.accepted.sort("_record").to_dicts()
    assert [r["amount_minor"] for r in rows] == [1000, 45499]
    assert [r["net_amount_minor"] for r in rows] == [871, 45499]
    assert [r["balance_minor"] for r in rows] == [152033, 197532]
    assert [r["is_refund"] for r in rows] == [False, True]
    assert rows[1]["original_amount_minor"] == -45499 and rows[1]["original_currency"] == "USD"
    assert rows[0]["created_at"].isoformat() == "2024-03-05T10:12:03"
    assert rows[1]["description"] == 'Refund of "Printing, flyers"' and rows[1]["expense_tags"] == "print, flyers"
    assert (rows[0]["transaction_id"], rows[0]["group_id"]) == ("3d2f1c9e", "9b1e77aa")


def test_human_header_export_derives_gross_from_net_and_fees(tmp_path):
    header = (
        '"Date & Time","Effective Date & Time","Transaction ID","Group ID","Credit/Debit","Kind",'
        '"Amount Single Column","Currency","Is Reverse","Account Handle","Account Name",'
        '"Opposite Account Handle","Opposite Account Name","Payment Processor Fee","Tax Amount",'
        '"Original Currency Amount"'
    )
    text = (
        "\n".join(
            [
                header,
                '"2024-01-02T03:04:05","2024-01-03T00:00:00",501,"g-1","CREDIT","CONTRIBUTION",9.01,"USD","",'
                '"coop","Coop","ada","Ada",-0.99,0,"€9.50 EUR"',
                '"2024-01-02T03:04:05","2024-01-03T00:00:00",502,"g-1","DEBIT","HOST_FEE",-1,"USD","REVERSE",'
                '"coop","Coop","host","Host",0,0,""',
                '"2024-01-04T00:00:00","",503,"g-2","DEBIT","EXPENSE",-10.5,"JPY","","coop","Coop","x","X",0,0,""',
            ]
        )
        + "\n"
    )
    result = parse_text(tmp_path, text)
    rows = {r["transaction_id"]: r for r in result.accepted.to_dicts()}
    assert rows["501"]["amount_minor"] == 1000 and rows["501"]["net_amount_minor"] == 901
    assert rows["501"]["created_at"].isoformat() == "2024-01-02T03:04:05"  # Date & Time wins over effective
    assert (rows["501"]["original_amount_minor"], rows["501"]["original_currency"]) == (950, "EUR")
    assert rows["502"]["is_refund"] is True and rows["502"]["amount_minor"] == -100
    # JPY has no minor unit: 10.5 yen cannot be stored exactly and is refused, not rounded
    (bad,) = result.quarantined.to_dicts()
    assert (bad["record"], bad["rule"], bad["value"]) == ("4", "amount:precision", "-10.5")


@pytest.mark.parametrize(
    "tail", ["Warning: totalCount is 1200 and limit was 1000", "\nError while fetching account transactions."]
)
def test_truncated_export_line_is_quarantined_not_parsed(tmp_path, tail):
    row = (
        "2024-03-05T10:12:03,3d2f1c9e,9b1e77aa,x,CREDIT,CONTRIBUTION,,,,$10.00 USD,10,10,10,USD,coop,Coop,a,A,,,,,,,,,"
    )
    result = parse_text(tmp_path, f"{KEY_HEADER}\n{row}\n{tail}")
    assert result.accepted.height == 1
    (bad,) = result.quarantined.to_dicts()
    assert bad["rule"] == "export:truncated" and bad["value"] == tail.strip()
    assert bad["record"] == str(len(f"{KEY_HEADER}\n{row}\n{tail}".splitlines()))
    assert "truncated" in result.notes[0]


def real_export():
    if not REAL.exists():
        pytest.skip("shared/realdata is not present")
    result = oc.parse(REAL, "astrodotbuild-transactions.csv", "sha-real")["transactions"]
    return result


def test_real_astro_export_loads_every_row_and_maps_every_header():
    result = real_export()
    header = REAL.read_text(encoding="utf-8").splitlines()[0].replace('"', "").split(",")
    assert oc.unmapped_headers(header) == []
    assert (result.rows_read, result.accepted.height, result.quarantined.height) == (3136, 3136, 0)
    frame = result.accepted
    assert frame["currency"].unique().to_list() == ["USD"]
    assert frame.filter(pl.col("is_refund")).height == 13  # "Is Reverse" = REVERSE
    first = frame.filter(pl.col("transaction_id") == "11533218").to_dicts()[0]
    # "-1001.13" net with a -1.13 processor fee: the expense itself was 1000.00
    assert (first["net_amount_minor"], first["amount_minor"]) == (-100113, -100000)
    # both legs of a contribution group are kept: the CREDIT and its HOST_FEE DEBIT
    legs = frame.filter(pl.col("group_id") == "33ca0713-2b0b-4a57-bd38-1207c876435f")
    assert sorted(legs["kind"].to_list()) == ["CONTRIBUTION", "HOST_FEE"]


def test_real_astro_reconciliation_reports_what_it_cannot_verify():
    frame = real_export().accepted
    (balances,) = oc_reconcile.reconcile_balances(frame).to_dicts()
    # the export carries no Balance column: nothing to agree with, and the report says so
    assert balances["status"] == "no_balance" and balances["rows_with_balance"] == 0
    assert balances["computed_final_minor"] == frame["net_amount_minor"].sum()
    groups = oc_reconcile.group_net_check(frame)
    # an export of one account holds only that account's legs: every group is reported as unmatched
    assert groups.height == frame["group_id"].n_unique() == 1711
    assert set(groups["issue"]) == {"unmatched_leg"}


def test_reconciliation_finds_a_balance_gap_and_legs_that_disagree(tmp_path):
    rows = [
        # group g1: contribution of 10.00 with 1.29 fees, both legs present and mirrored
        "2024-03-05T10:00:00,a1,g1,x,CREDIT,CONTRIBUTION,,,,,10,8.71,108.71,USD,coop,Coop,maria,Maria,,,,,,,,,",
        "2024-03-05T10:00:00,a2,g1,x,DEBIT,CONTRIBUTION,,,,,-8.71,-10,-10,USD,maria,Maria,coop,Coop,,,,,,,,,",
        # group g2: the debit leg says 5.00 where the credit says 4.00; coop's balance jumps by 1.00 too much
        "2024-03-06T10:00:00,b1,g2,x,CREDIT,CONTRIBUTION,,,,,4,4,113.71,USD,coop,Coop,joan,Joan,,,,,,,,,",
        "2024-03-06T10:00:00,b2,g2,x,DEBIT,CONTRIBUTION,,,,,-5,-5,-5,USD,joan,Joan,coop,Coop,,,,,,,,,",
        "2024-03-07T10:00:00,c1,g3,x,DEBIT,EXPENSE,,,,,-3,-3,110.71,USD,coop,Coop,shop,Shop,,,,,,,,,",
    ]
    frame = parse_text(tmp_path, KEY_HEADER + "\n" + "\n".join(rows) + "\n").accepted
    report = {r["account_slug"]: r for r in oc_reconcile.reconcile_balances(frame).to_dicts()}
    assert report["coop"]["status"] == "disagrees"
    assert (report["coop"]["first_disagreement_id"], report["coop"]["first_gap_minor"]) == ("b1", 100)
    assert report["coop"]["disagreeing_rows"] == 2  # the gap carries on to the next row
    assert report["maria"]["status"] == "agrees"
    groups = {r["group_id"]: r for r in oc_reconcile.group_net_check(frame).to_dicts()}
    assert set(groups) == {"g2", "g3"}
    assert (groups["g2"]["issue"], groups["g2"]["gap_minor"]) == ("legs_disagree", 200)
    assert groups["g3"]["issue"] == "unmatched_leg"


# --- GraphQL fetcher ----------------------------------------------------------------------------------


class Landing:
    """A sink that keeps what it is given, as the landing stage would."""

    def __init__(self):
        self.files: list[tuple[str, bytes, dict]] = []

    def __call__(self, name: str, body: bytes, meta: dict) -> None:
        self.files.append((name, body, meta))


def client_for(settings: oc_api.Settings, waits: list[float], max_retries: int = 2) -> ApiClient:
    return ApiClient(
        settings.url,
        {"Personal-Token": settings.token},
        timeout=2,
        max_retries=max_retries,
        sleep=waits.append,
    )


@pytest.fixture
def api():
    with FakeServer() as server:
        yield FakeOpenCollective(server, [make_transaction(n) for n in range(7)], token=TOKEN)


def settings_for(api: FakeOpenCollective, page_size: int = 3) -> oc_api.Settings:
    return oc_api.Settings.from_env(
        {
            "OPENCOLLECTIVE_URL": api.url,
            "OPENCOLLECTIVE_TOKEN": TOKEN,
            "OPENCOLLECTIVE_SLUG": "coop-commons",
            "OPENCOLLECTIVE_PAGE_SIZE": str(page_size),
        }
    )


def test_settings_from_env():
    assert not oc_api.Settings.from_env({}).configured
    settings = oc_api.Settings.from_env({"OPENCOLLECTIVE_SLUG": "coop", "OPENCOLLECTIVE_TOKEN": TOKEN})
    assert settings.configured and settings.url == "https://api.opencollective.com/graphql/v2"
    assert TOKEN not in repr(settings)


def test_fetch_pages_by_offset_then_increments_by_date_from(api, tmp_path):
    settings, sink, waits = settings_for(api), Landing(), []
    state = oc_api.fetch(settings, sink, {}, client=client_for(settings, waits))
    assert [q["offset"] for q in api.queries()] == [0, 3, 6]
    assert [name for name, _, _ in sink.files] == [f"graphql_transactions_{n}.json" for n in (0, 3, 6)]
    newest = make_transaction(6)["createdAt"]
    assert state == {"date_from": newest, "offset": 1}
    assert api.server.requests[0].headers["personal-token"] == TOKEN
    # the sunk pages are what parse reads
    parsed = [oc.parse(write(tmp_path, n, b.decode()), n, "sha")["transactions"] for n, b, _ in sink.files]
    frame = pl.concat([p.accepted for p in parsed])
    assert frame.height == 7 and frame["amount_minor"].to_list() == [1000 + n for n in range(7)]
    assert frame["net_amount_minor"].to_list() == [900 + n for n in range(7)]
    # two new transactions arrive: the next run asks only from the newest one already landed
    api.transactions += [make_transaction(7), make_transaction(8)]
    sink2 = Landing()
    state = oc_api.fetch(settings, sink2, state, client=client_for(settings, waits))
    assert api.queries()[-1]["dateFrom"] == newest and api.queries()[-1]["offset"] == 1
    nodes = json.loads(sink2.files[0][1])["data"]["transactions"]["nodes"]
    assert [n["legacyId"] for n in nodes] == [100007, 100008]
    assert state == {"date_from": make_transaction(8)["createdAt"], "offset": 1}
    assert waits == []


def test_fetch_retries_rate_limit_server_error_and_cut_json(api):
    settings, sink, waits = settings_for(api), Landing(), []
    api.server.fail("/graphql/v2", RATE_LIMIT, SERVER_ERROR, TRUNCATED_JSON, method="POST", after=1)
    oc_api.fetch(settings, sink, {}, client=client_for(settings, waits, max_retries=3))
    assert waits[0] == 3.0  # Retry-After of the 429
    assert len(waits) == 3 and len(sink.files) == 3
    for _, body, _ in sink.files:
        json.loads(body)  # only complete pages are landed


def test_fetch_failing_part_way_keeps_what_it_got_and_resumes(api):
    settings, sink, waits = settings_for(api), Landing(), []
    # the second page fails more often than the client retries
    api.server.fail("/graphql/v2", SERVER_ERROR, SERVER_ERROR, SERVER_ERROR, method="POST", after=1)
    state: dict = {}
    with pytest.raises(ApiError) as failure:
        oc_api.fetch(settings, sink, state, client=client_for(settings, waits))
    assert [name for name, _, _ in sink.files] == ["graphql_transactions_0.json"]
    assert state == {"date_from": None, "offset": 3}
    for text in (
        str(failure.value),
        *(json.dumps(meta) for _, _, meta in sink.files),
        *(body.decode() for _, body, _ in sink.files),
    ):
        assert TOKEN not in text
    oc_api.fetch(settings, sink, state, client=client_for(settings, waits))
    assert [q["offset"] for q in api.queries()[-2:]] == [3, 6]
    landed = [n["legacyId"] for _, body, _ in sink.files for n in json.loads(body)["data"]["transactions"]["nodes"]]
    assert landed == [100000 + n for n in range(7)]  # nothing lost, nothing twice


def test_fetch_with_its_own_client_sends_the_token_and_graphql_errors_raise(api):
    settings = settings_for(api, page_size=10)
    sink = Landing()
    state = oc_api.fetch(settings, sink, {})
    assert len(sink.files) == 1 and state["offset"] == 1
    assert sink.files[0][2]["url"] == api.url and TOKEN not in json.dumps(sink.files[0][2])
    wrong = oc_api.Settings(url=api.url, token="not-the-token-0000", slug="coop-commons")
    with pytest.raises(ApiError) as refused:
        oc_api.fetch(wrong, Landing(), {})
    assert refused.value.status == 401 and "not-the-token-0000" not in str(refused.value)


def test_graphql_errors_raise_and_nothing_is_landed():
    with FakeServer() as server:
        server.route("/graphql/v2", lambda req: {"errors": [{"message": "Account not found"}]}, method="POST")
        settings = oc_api.Settings(url=server.url + "/graphql/v2", token=TOKEN, slug="nobody")
        sink, state = Landing(), {}
        with pytest.raises(oc_api.OpenCollectiveError, match="Account not found"):
            oc_api.fetch(settings, sink, state)
        assert sink.files == [] and state == {}


# --- malformed corpus -----------------------------------------------------------------------------------


OC_CORPUS = {
    "semicolon-transactions.csv": [("file", "header:missing_columns")],
    "unknown-currency-transactions.csv": [("3", "currency:unknown")],
    "truncated-transactions.csv": [("3", "export:truncated")],
    "cut-transactions.csv": [("3", "row:field_count")],
    "future-transactions.csv": [("2", "created_at:future")],
    "duplicate-transactions.csv": [("3", "transaction_id:duplicate_key")],
    "oversized-transactions.csv": [("3", "description:max_length")],
    "graphql_transactions_0.json": [("file", "file:not_a_transactions_page")],
}


@pytest.mark.parametrize("name", sorted(OC_CORPUS))
def test_malformed_corpus(name):
    assert_corpus_case("opencollective", name, "transactions", OC_CORPUS[name])
