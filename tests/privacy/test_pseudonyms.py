"""Pseudonyms are keyed (HMAC-SHA256): without the key, guessing emails does not reverse them."""

from __future__ import annotations

import hashlib

import duckdb

from pipelines.dbt_plugins.pseudonym import KEY_ENV, load_key, pseudonym, register

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
    assert load_key({KEY_ENV: "from-env", "TOGETHEROS_DATA_DIR": str(tmp_path)}) == b"from-env"
    demo = load_key({"TOGETHEROS_DATA_DIR": str(tmp_path)})
    key_file = tmp_path / "keys" / "pseudonym-demo.key"
    assert demo == key_file.read_text().strip().encode() and len(demo) >= 64
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert "WARNING" in capsys.readouterr().err
    assert load_key({"TOGETHEROS_DATA_DIR": str(tmp_path)}) == demo  # stable across runs
