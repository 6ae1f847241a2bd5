from __future__ import annotations

import pytest

from lht.errors import ConfigError
from lht.push.source import classify_source


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("accounts", ("ACCOUNTS",)),
        ("  analytics.accounts_v ", ("ANALYTICS", "ACCOUNTS_V")),
        ("DB.SCH.T$1", ("DB", "SCH", "T$1")),
        ("_x", ("_X",)),
    ],
)
def test_classify_source_names_are_upper_cased_parts(text, parts):
    source = classify_source(text)
    assert source.kind == "table"
    assert source.parts == parts
    assert source.identity == ".".join(parts)


@pytest.mark.parametrize(
    "text",
    [
        "a.b.c.d",
        "accounts; drop table x",
        'ACC"OUNTS',
        "my table",
        "1abc",
        "schéma.t",
        "a..b",
        "DELETE FROM accounts",
        "INSERT INTO t SELECT 1",
        "",
        "   ",
    ],
)
def test_classify_source_bad_names_raise_config_error(text):
    with pytest.raises(ConfigError):
        classify_source(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT id, name FROM accounts",
        "select 1",
        "  WITH x AS (SELECT 1 AS a) SELECT a FROM x  ",
        "(SELECT 1) UNION ALL (SELECT 2)",
        "SELECT 'a;b' AS s, \"we;ird\" FROM t",
        "SELECT 'it''s' FROM t -- trailing comment\n",
        "/* lead */ SELECT $$semi;colon$$ FROM t",
    ],
)
def test_classify_source_single_select_is_a_query(text):
    source = classify_source(text)
    assert source.kind == "query"
    assert source.query == text.strip()


def test_classify_source_one_trailing_semicolon_is_dropped():
    source = classify_source("SELECT 1 ;  ")
    assert source.query == "SELECT 1"
    assert source.identity == "SELECT 1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT 1; DROP TABLE t", "single SELECT"),
        ("SELECT 1; SELECT 2", "single SELECT"),
        ("SELECT 'unterminated FROM t", "unterminated string"),
        ('SELECT "x FROM t', "unterminated quoted identifier"),
        ("SELECT /* open FROM t", "unterminated /*"),
        ("SELECT (1 FROM t", "unbalanced"),
        ("SELECT 1) FROM t", "unbalanced"),
        ("SELECT $$x FROM t", r"unterminated \$\$"),
    ],
)
def test_classify_source_malformed_query_raises_with_reason(text, message):
    with pytest.raises(ConfigError, match=message):
        classify_source(text)


def test_classify_source_identity_collapses_whitespace():
    assert classify_source("SELECT  a,\n  b FROM t").identity == "SELECT a, b FROM t"
