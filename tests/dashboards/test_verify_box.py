"""The "How to verify" box on Data & audit (issue 14): standard-tool steps from the stable addresses,
the signer's identity and namespace, `togetheros verify --key`, and the auditor guide."""

from __future__ import annotations

from tests.dashboards.test_app import run_app

FILES = "http://files.example:8502"


def box(app) -> tuple[str, str]:
    markdown = "\n".join(str(m.value) for m in app.markdown)
    code = "\n".join(str(c.value) for c in app.code)
    return markdown, code


def test_the_box_gives_stable_urls_standard_tools_and_who_signed(fixture_release, monkeypatch):
    monkeypatch.setenv("TOGETHEROS_FILES_URL", FILES + "/")
    app = run_app(page="data_audit")
    markdown, code = box(app)
    rid = fixture_release.release_id
    assert f"{FILES}/releases/latest/datapackage.json" in markdown and f"{FILES}/releases/latest.zip" in markdown
    assert f"{FILES}/releases/{rid}.zip" in markdown and f"({FILES}/docs/auditor-guide.md)" in markdown
    assert "from a place you trust" in markdown and "dev-0707" in markdown
    assert f"curl -fO {FILES}/releases/{rid}.zip\nunzip {rid}.zip && cd {rid}" in code
    assert "sha256sum -c SHA256SUMS" in code
    assert "-I togetheros-release-signer -n togetheros-release" in code
    assert "-s datapackage.json.sshsig < datapackage.json" in code
    assert "togetheros verify . --key" in code
    assert "/media/" not in markdown + code


def test_without_the_file_server_the_box_says_how_to_start_it(fixture_release, monkeypatch):
    monkeypatch.delenv("TOGETHEROS_FILES_URL", raising=False)
    app = run_app(page="data_audit")
    captions = "\n".join(str(c.value) for c in app.caption)
    assert "`togetheros serve` starts it" in captions
    assert "sha256sum -c SHA256SUMS" in box(app)[1]
