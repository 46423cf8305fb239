"""Pseudonyms are keyed (HMAC-SHA256): without the key, guessing emails does not reverse them."""

from __future__ import annotations

import hashlib

import duckdb

from pipelines.dbt_plugins.pseudonym import KEY_ENV, demo_key_file, load_key, pseudonym, register
from pipelines.settings import DBT_PROJECT_DIR, Paths

EMAIL = "zephyrine.okonkwo.lindqvist@posteo.net"


def test_same_input_and_key_give_the_same_id_another_key_another_id():
    assert pseudonym(b"key-one", EMAIL) == pseudonym(b"key-one", EMAIL)
    assert pseudonym(b"key-one", EMAIL) != pseudonym(b"key-two", EMAIL)
    assert pseudonym(b"key-one", EMAIL) != pseudonym(b"key-one", EMAIL.upper())


def test_the_id_is_not_a_plain_hash_of_the_email():
    plain = {hashlib.sha256(EMAIL.encode()).hexdigest(), hashlib.sha256(EMAIL.lower().encode()).hexdigest()}
    assert pseudonym(b"key-one", EMAIL) not in plain
    assert EMAIL not in pseudonym(b"key-one", EMAIL)


def test_the_sql_function_uses_the_key_it_was_given():
    ids = []
    for key in (b"key-one", b"key-two"):
        con = duckdb.connect()
        register(con, key)
        ids.append(con.execute("select pseudonym(?)", [EMAIL]).fetchall()[0][0])
    assert ids == [pseudonym(b"key-one", EMAIL), pseudonym(b"key-two", EMAIL)]


def test_key_from_the_environment_else_a_private_demo_key_with_a_warning(tmp_path, capsys):
    key_file = demo_key_file(Paths.at(tmp_path))
    assert key_file == tmp_path / "keys" / "pseudonym-demo.key"
    assert load_key("from-env", key_file) == b"from-env"
    demo = load_key(None, key_file)
    assert demo == key_file.read_text().strip().encode() and len(demo) >= 64
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert "WARNING" in capsys.readouterr().err
    assert load_key("", key_file) == demo  # stable across runs


def test_the_profile_hands_the_plugin_the_key_from_the_environment_and_the_data_dirs_key_file():
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text()
    assert f"env_var('{KEY_ENV}'" in profile and "/keys/pseudonym-demo.key" in profile
