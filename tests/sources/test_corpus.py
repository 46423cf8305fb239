"""The malformed-input corpus (tests/corpus/<source>/<case>__<inbox file name>) of the sources whose
cases are named that way: each case parses without an exception into exactly one quarantine record
naming its file, record and rule, and nothing else is quarantined. (Community, ledger and Open
Collective cases are named by file and checked with `checks.assert_corpus_case`.)"""

from __future__ import annotations

import pytest

from pipelines.sources import parser
from tests.sources.checks import CORPUS, conserved

EXPECTED = {  # source -> case -> (entity, record, rule)
    "decidim": {
        "garbage_date": ("proposals", "3", "published_at:type:timestamp"),
        "negative_votes": ("proposals", "3", "votes:minimum:0"),
        "bom_comma_027_bad_state": ("proposals", "3", "state:valid_values"),
        "latin1": ("proposal_comments", "2", "encoding:not_utf8"),
        "alignment_out_of_range": ("proposal_comments", "3", "alignment:valid_values"),
        "wrong_separator": ("meetings", "2", "header:missing_key"),
        "renamed_key": ("users", "2", "header:missing_key"),
        "duplicate_id": ("results", "3", "result_id:duplicate_key"),
        "bad_proposal_url": ("results", "3", "proposal_ids:format"),
        "progress_over_100": ("results", "3", "progress:maximum:100"),
        "short_row": ("projects", "3", "row:field_count"),
        "fractional_budget": ("projects", "3", "budget_amount_minor:type:integer"),
        "truncated": ("proposals", "file", "file:unreadable"),
        "edge_without_node": ("proposals", "$.data..proposals[0].edges[1]", "record:not_object"),
        "graphql_errors": ("proposals", "file", "file:shape"),
        "zip_slip": ("proposals", "../../etc/tos-open-data-proposals.csv", "zip:unsafe_name"),
        "not_a_zip": ("proposals", "file", "file:unreadable"),
    },
    "discourse": {
        "wrong_type_post_id": ("posts", "$.post_stream.posts[1]", "post_id:type:integer"),
        "missing_created_at": ("posts", "$.post_stream.posts[1]", "created_at:required"),
        "post_type_out_of_range": ("posts", "$.post_stream.posts[1]", "post_type:valid_values"),
        "duplicate_post_id": ("posts", "$.post_stream.posts[1]", "post_id:duplicate_key"),
        "garbage_date": ("posts", "$.post_stream.posts[1]", "updated_at:type:timestamp"),
        "float_post_number": ("posts", "$.post_stream.posts[1]", "post_number:type:integer"),
        "not_an_object": ("topics", "$.topic_list.topics[1]", "record:not_object"),
        "unknown_archetype": ("topics", "$.topic_list.topics[1]", "archetype:valid_values"),
        "boolean_as_word": ("topics", "$.topic_list.topics[0]", "visible:type:boolean"),
        "missing_topic_list": ("categories", "file", "file:shape"),
        "object_not_list": ("users", "file", "file:shape"),
        "missing_username": ("users", "$[1]", "username:required"),
        "nested_id": ("categories", "$.category_list.categories[1]", "category_id:type:integer"),
        "truncated": ("topics", "file", "file:unreadable"),
        "not_json": ("posts", "file", "file:unreadable"),
    },
}
CASES = [(source, case) for source, cases in EXPECTED.items() for case in sorted(cases)]


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_corpus_is_complete(source):
    assert sorted(p.name.split("__")[0] for p in (CORPUS / source).iterdir()) == sorted(EXPECTED[source])


@pytest.mark.parametrize(("source", "case"), CASES)
def test_corpus_case_is_quarantined_with_file_record_and_rule(source, case):
    (path,) = (CORPUS / source).glob(f"{case}__*")
    inbox_name = path.name.split("__")[1]
    result = parser(source).parse(path, inbox_name, "sha-" + case)
    conserved(result)
    entity, record, rule = EXPECTED[source][case]
    bad = result[entity].quarantined
    assert bad.height == 1, bad
    row = bad.row(0, named=True)
    assert (row["file_name"], row["record"], row["rule"]) == (inbox_name, record, rule)
    assert row["landing_sha256"] == "sha-" + case and inbox_name in row["message"]
    assert sum(c.quarantined.height for e, c in result.items() if e != entity) == 0
