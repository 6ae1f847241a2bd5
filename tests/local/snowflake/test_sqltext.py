"""The tokenizer/parser of owned statements and the registry's dispatch (pure, no server)."""

from __future__ import annotations

import pytest

from lht.local.snowflake.registry import Registry
from lht.local.snowflake.responses import Result, SqlError, status
from lht.local.snowflake.sqltext import Parser, head, tokenize


def _handler(_statement: object) -> Result:
    return status("ok")


def test_head_skips_comments_and_upper_cases_words() -> None:
    sql = "-- setup\n/* block */ create or replace\n  network rule x.y"
    assert head(sql, 5) == ["CREATE", "OR", "REPLACE", "NETWORK", "RULE"]


def test_tokenize_strings_escapes_and_quoted_identifiers() -> None:
    tokens = tokenize("""SECRET_STRING = 'it''s \\'a\\' {"k": 1}' "My Name" $$x'y$$ -- c""")
    values = [(t.kind, t.value) for t in tokens]
    assert values == [("word", "SECRET_STRING"), ("punct", "="),
                      ("string", "it's 'a' {\"k\": 1}"), ("qident", "My Name"),
                      ("string", "x'y"), ("eof", "")]  # fmt: skip


def test_parser_error_reports_line_and_position_like_snowflake() -> None:
    parser = Parser("CREATE NETWORK RULE r\n  MODE = EGRESS BOGUS = 1")
    parser.expect("CREATE", "NETWORK", "RULE")
    parser.object_name()
    parser.expect("MODE")
    parser.expect_punct("=")
    parser.identifier()
    with pytest.raises(SqlError) as caught:
        parser.end()
    assert caught.value.errno == 1003
    assert caught.value.message.endswith("syntax error line 2 at position 16 unexpected 'BOGUS'.")


def test_unclosed_string_is_a_syntax_error_at_eof() -> None:
    with pytest.raises(SqlError, match="unexpected '<EOF>'"):
        tokenize("SELECT 'open")


def test_registry_skips_modifiers_and_prefers_the_longest_kind() -> None:
    registry = Registry()
    registry.add("CREATE", "INTEGRATION", _handler)
    registry.add("CREATE", "EXTERNAL ACCESS INTEGRATION", _handler)
    registry.add("DESCRIBE", "SECRET", _handler)

    route = registry.match("", head("CREATE OR REPLACE EXTERNAL ACCESS INTEGRATION i", 8))
    assert route is not None and route.kind == ("EXTERNAL", "ACCESS", "INTEGRATION")
    described = registry.match("", head("DESC SECRET s", 8))
    assert described is not None and described.verb == "DESCRIBE"
    assert registry.match("", head("CREATE TABLE t (a int)", 8)) is None
    assert registry.first_word("  -- c\n select 1") == "SELECT"
    assert not registry.has_verb("SELECT")


def test_registry_refuses_a_second_route_for_the_same_statement() -> None:
    registry = Registry()
    registry.add("CREATE", "ROLE", _handler)
    with pytest.raises(ValueError, match="already registered"):
        registry.add("CREATE", "ROLE", _handler)


def test_object_name_reads_identifier_literals_as_the_cli_sends_them() -> None:
    parser = Parser("""IDENTIFIER('LHT.LHT.SYNC_SOBJECT')(x string) "a"."B c".d""")
    assert parser.object_name().parts == ("LHT", "LHT", "SYNC_SOBJECT")
    parser.expect_punct("(")
    parser.identifier()
    parser.identifier()
    parser.expect_punct(")")
    assert parser.object_name().parts == ("a", "B c", "D")
    with pytest.raises(SqlError, match="unexpected"):
        Parser("IDENTIFIER('a b')").object_name()
