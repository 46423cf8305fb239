"""Every word a visitor reads goes through the catalogs: the source's messages are all translated (with the
same placeholders), the template is in step with the source, and no page text is passed to Streamlit or
Plotly as a literal that skipped `_()`."""

from __future__ import annotations

import ast
import re
import string
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dashboards import i18n
from dashboards.formatting import day_text
from dashboards.ui import day_label

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "dashboards"
# where pybabel extract looks (babel.cfg): the dashboard's code, and the published metrics' YAML
EXTRACTED_FROM = [DASHBOARDS, REPO / "dbt_project" / "models" / "public"]
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT]


def source_messages() -> set[tuple[str | None, str | tuple[str, str]]]:
    """(context, message) for what `pybabel extract -F babel.cfg -k N_` finds where it looks (the same
    mapping file and keywords)."""
    with (REPO / "babel.cfg").open() as config:
        from babel.messages.frontend import parse_mapping_cfg

        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for folder in EXTRACTED_FROM:
        for _file, _line, message, _comments, context in extract_from_dir(
            folder, method_map, options_map, keywords=KEYWORDS
        ):
            found.add((context, message if isinstance(message, str) else tuple(message)))
    return found


def catalog(path: Path, code: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=code)


def placeholders(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_the_template_is_in_step_with_the_source():
    template = {(m.context, m.id) for m in catalog(DASHBOARDS / "locale" / "dashboard.pot") if m.id}
    found = source_messages()
    assert len(found) > 300, "the extraction found the dashboard's messages"
    assert found - template == set(), "new messages: run pybabel extract (babel.cfg says how)"
    assert template - found == set(), "messages no longer in the source: run pybabel extract"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(code):
    messages = {(m.context, m.id): m for m in catalog(i18n.catalog_path(code), code) if m.id}
    problems = []
    for context, wanted in sorted(source_messages(), key=str):
        message = messages.get((context, wanted))
        texts = [] if message is None else list(message.string if isinstance(wanted, tuple) else [message.string])
        if not texts or not all(texts):
            problems.append(f"untranslated: {wanted!r}")
            continue
        ids = wanted if isinstance(wanted, tuple) else (wanted,)
        if any(placeholders(t) != placeholders(ids[-1]) for t in texts):
            problems.append(f"placeholders differ: {wanted!r} -> {texts!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {wanted!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_published_metric_reads_in_the_language(code):
    # what a release's descriptor carries (the manifest's metrics, pipelines/release/catalog.py), not the YAML
    from dashboards.releases import Metric, Release
    from pipelines.release.catalog import public_catalog
    from pipelines.settings import DBT_PROJECT_DIR

    published = public_catalog(DBT_PROJECT_DIR / "target" / "manifest.json").metrics
    assert len(published) > 40
    fields = set(Metric.__dataclass_fields__)
    release = Release(
        id="r", path="/r", created="", data_as_of="", min_count=5, resources=(), descriptor={},
        metrics=tuple(Metric(**{k: v for k, v in m.items() if k in fields}) for m in published),
    )  # fmt: skip
    i18n.set_language(code)
    try:
        unread = [
            f"{m['resource']}.{m['field']}: {key}"
            for m in published
            for key in i18n.METRIC_TEXTS
            if m.get(key) and getattr(release.metric(m["resource"], m["field"]), key) == m[key]
        ]
        # a release whose text is not the project's (older, or another instance's) is shown as published
        own = Metric("n", "A label no catalog has", "Its own definition.", resource="x", field="y")
        assert replace(release, metrics=(own,)).metric("x", "y") == own
    finally:
        i18n.set_language(i18n.DEFAULT)
    assert not unread, "published in English only:\n" + "\n".join(unread)
    # the formula is notation, kept as published; English reads the release's own text
    first = published[0]
    assert release.metric(first["resource"], first["field"]).definition == first["definition"]


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_answers_in_its_language(code):
    i18n.set_language(code)
    try:
        assert i18n._("Overview") != "Overview"
        assert i18n.ngettext("{count} item", "{count} items", 3).format(count=3) != "3 items"
        assert i18n._("a message no catalog has") == "a message no catalog has"
    finally:
        i18n.set_language(i18n.DEFAULT)


def test_an_unknown_language_falls_back_to_english_and_a_bad_setting_is_refused(monkeypatch):
    assert i18n.set_language("xx") == "en"
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "fr")
    with pytest.raises(ValueError, match="TOGETHEROS_LANGUAGE='fr': the dashboard speaks en, es, pt"):
        i18n.configured()
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "pt")
    assert i18n.configured() == "pt"


@pytest.mark.parametrize(("code", "text"), [("en", "30 Jun 2025"), ("es", "30 jun 2025"), ("pt", "30 jun. 2025")])
def test_days_are_written_in_the_chosen_language(code, text):
    from datetime import date

    i18n.set_language(code)
    try:
        assert day_label("2025-06-30T23:59:59Z") == text
        assert day_text(date(2025, 6, 30)) == text
    finally:
        i18n.set_language(i18n.DEFAULT)


# Calls whose text a visitor reads, by the function's name, and the keywords that carry such text.
SHOWN_BY = {
    "title", "header", "subheader", "caption", "markdown", "info", "warning", "success", "error", "metric",
    "selectbox", "text_input", "expander", "page_link", "download_button", "link_button", "LinkColumn",
    "not_in_release", "available", "has_rows", "headline", "phone_friendly", "update_xaxes", "update_yaxes",
    "add_annotation", "add_hline", "Bar", "Scatter", "Heatmap", "Funnel", "Sankey", "period_trend",
    "distribution", "chart", "item_page",
}  # fmt: skip
TEXT_KEYWORDS = {"label", "help", "placeholder", "name", "title", "title_text", "text", "annotation_text",
                 "note", "display_text", "delta_description", "y_title", "definition"}  # fmt: skip
# positional arguments that are not text: a dataset's name, a file, a release, a frame
ALL = set(range(10))
NOT_TEXT_POSITIONS = {"available": {0, 1}, "has_rows": {0, 2, 3}, "chart": ALL, "item_page": {0}, "page_link": {0},
                      "period_trend": {0, 1, 2}, "distribution": {0, 1, 2}}  # fmt: skip
WORD = re.compile(r"[A-Za-z]{2,}")
# what is the same in every language: the product's name
SAME_EVERYWHERE = {"TogetherOS Transparency"}


def literal_words(node: ast.AST) -> str:
    """The words of a literal string (or of an f-string's literal parts) not passed through `_()`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, ast.BinOp):
        return " ".join(w for w in (literal_words(node.left), literal_words(node.right)) if w)
    else:
        return ""
    return "" if text in SAME_EVERYWHERE else " ".join(WORD.findall(text))


def called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def reads_release(call: ast.Call) -> bool:
    """release.metric(dataset, field) and the like: a look-up, not text."""
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "release"


def untranslated(path: Path, root: Path = REPO) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or called_name(node) not in SHOWN_BY or reads_release(node):
            continue
        skip = NOT_TEXT_POSITIONS.get(called_name(node), set())
        shown = [a for i, a in enumerate(node.args) if i not in skip]
        shown += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        for argument in shown:
            words = literal_words(argument)
            if words:
                found.append(f"{path.relative_to(root)}:{argument.lineno}: {called_name(node)}(… {words!r} …)")
    return found


def test_no_page_text_skips_the_catalogs():
    files = sorted(DASHBOARDS.rglob("*.py"))
    assert len(files) > 20
    found = [line for path in files for line in untranslated(path)]
    assert not found, "literal text shown without _():\n" + "\n".join(found)


def test_the_scan_finds_a_literal_that_skipped_the_catalogs(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        'st.title(_("Overview"))\nst.header(f"Decision {x}")\nui.has_rows(rows, "initiative", group)\n'
        'fig.update_yaxes(title_text="people")\nst.caption(f"**{label}** · `{id}`")\n'
    )
    found = [line.split(": ", 1)[1] for line in untranslated(page, tmp_path)]
    assert found == ["header(… 'Decision' …)", "has_rows(… 'initiative' …)", "update_yaxes(… 'people' …)"]


def test_no_strftime_is_left_for_a_visitor_to_read():
    # dates a visitor reads go through Babel (formatting.day_text, month_label); %Y-%m keys are not read
    shown = re.compile(r"%[abBd]|strftime\(")
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted(DASHBOARDS.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if shown.search(line) and "%Y-%m" not in line
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("page", ["treasury", "time_bank", "initiatives", "local_value"])
def test_a_page_shows_the_published_definitions_in_spanish(fixture_release, page):
    # the fixture ships the YAML's metrics for these pages' datasets (release_fixture.contract_metrics)
    from tests.dashboards.release_fixture import contract_metrics
    from tests.dashboards.test_app import run_app, texts

    english = texts(run_app(page=page))
    shown = [m["definition"] for m in contract_metrics() if m["definition"] in english]
    assert shown, f"no published definition on the {page} page"
    i18n.set_language("es")  # AppTest formats the filters' options in this thread's language
    try:
        spanish = texts(run_app({"lang": "es"}, page=page))
        for definition in shown:
            assert definition not in spanish
            assert i18n.metric_text(definition) in spanish
    finally:
        i18n.set_language(i18n.DEFAULT)
