"""The WHERE clause of the SOQL parser: conditions, predicates, literals, semi/anti-joins."""

from __future__ import annotations

from collections.abc import Callable

from emulator.core.schema import FieldDef, ObjectDef, Schema
from emulator.soql import semijoin
from emulator.soql.cursor import TokenCursor
from emulator.soql.literals import check_literal, date_literal, datetime_literal, unquote
from emulator.soql.names import DATE_LITERALS, DATE_N_LITERALS
from emulator.soql.syntax import (
    And,
    Cmp,
    Condition,
    DateLiteral,
    Includes,
    InList,
    Like,
    Not,
    Or,
    Query,
    SemiJoin,
    Token,
    Value,
    query_error,
)


class WhereParser(TokenCursor):
    """Mixin of the statement parser: needs `schema`, `obj`, `parent`, `semi`, `semi_joins`,
    `field_ref` and `parse_span` from it."""

    schema: Schema
    obj: ObjectDef | None
    parent: ObjectDef | None
    semi: bool
    semi_joins: int

    def field_ref(self, token: Token) -> tuple[str, FieldDef]:
        raise NotImplementedError

    def parse_span(self, span: tuple[int, int]) -> Query:
        raise NotImplementedError

    def condition(self) -> Condition:
        items = [self.conjunction()]
        first_or = self.tok
        while self.tok.is_kw("OR"):
            self.advance()
            items.append(self.conjunction())
        if len(items) > 1 and any(semijoin.contains(item) for item in items):
            raise query_error(self.text, first_or.pos, "MALFORMED_QUERY", semijoin.OR_TEXT)
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self) -> Condition:
        items = [self.negation()]
        while self.tok.is_kw("AND"):
            self.advance()
            items.append(self.negation())
        return items[0] if len(items) == 1 else And(tuple(items))

    def negation(self) -> Condition:
        if self.tok.is_kw("NOT"):
            token = self.advance()
            inner = self.negation()
            if semijoin.contains(inner):
                raise query_error(self.text, token.pos, "MALFORMED_QUERY", semijoin.NOT_TEXT)
            return Not(inner)
        if self.tok.kind == "punct" and self.tok.text == "(":
            self.advance()
            inner = self.condition()
            self.expect("punct", ")")
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        name = self.expect("ident")
        path, fdef = self.field_ref(name)
        if not fdef.filterable:
            raise query_error(
                self.text,
                name.pos,
                "INVALID_FIELD",
                f"field '{fdef.name}' can not be filtered in a query call",
            )
        negate = False
        if self.tok.is_kw("NOT"):
            self.advance()
            negate = True
            if not self.tok.is_kw("IN", "LIKE"):
                raise self.error()
        if self.tok.is_kw("IN"):
            self.advance()
            if self.tok.text == "(" and self.tokens[self.i + 1].is_kw("SELECT"):
                return self.semi_join(name, path, fdef, negate)
            return InList(path, self.value_list(fdef), negate)
        if self.tok.is_kw("LIKE"):
            self.advance()
            token = self.expect("string")
            return Like(path, unquote(token.text), negate)
        if self.tok.is_kw("INCLUDES", "EXCLUDES"):
            excludes = self.advance().text.upper() == "EXCLUDES"
            values = tuple(str(v) for v in self.value_list(fdef))
            return Includes(path, values, excludes)
        op = self.expect("op").text
        return Cmp(path, "!=" if op == "<>" else op, self.value(fdef))

    def semi_join(self, name: Token, path: str, fdef: FieldDef, negate: bool) -> SemiJoin:
        """`path [NOT] IN (SELECT ...)` with Salesforce's restrictions (`semijoin` module)."""
        if self.semi or self.parent is not None:
            raise query_error(self.text, name.pos, "MALFORMED_QUERY", semijoin.NESTED_TEXT)
        self.semi_joins += 1
        if self.semi_joins > semijoin.MAX_SEMI_JOINS:
            raise semijoin.too_many(self.text, name.pos)
        semijoin.check_left(self.text, name.pos, path, fdef)
        opening, select = self.tok, self.tokens[self.i + 1]
        self.skip_parenthesised()
        span = (opening.pos + 1, self.tokens[self.i - 1].pos)
        sub = self.parse_span(span)
        assert self.obj is not None
        semijoin.check_sub(
            self.text, select.pos, schema=self.schema, outer=self.obj, left=fdef, sub=sub
        )
        return SemiJoin(path, sub, negate)

    def value_list(self, fdef: FieldDef) -> tuple[Value, ...]:
        self.expect("punct", "(")
        values = [self.value(fdef) for _ in self.comma_list()]
        self.expect("punct", ")")
        return tuple(values)

    def value(self, fdef: FieldDef) -> Value:
        token = self.advance()
        literal = self.literal(token)
        problem = check_literal(fdef, literal, token.kind == "string")
        if problem:
            raise query_error(self.text, token.pos, "INVALID_FIELD", problem)
        return literal

    def literal(self, token: Token) -> Value:  # noqa: PLR0911 (one return per type)
        if token.kind == "string":
            return unquote(token.text)
        if token.kind == "number":
            return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
        if token.kind == "date":
            return self.temporal(token, date_literal)
        if token.kind == "datetime":
            return self.temporal(token, datetime_literal)
        if token.kind == "ident":
            upper = token.text.upper()
            if upper in ("NULL", "TRUE", "FALSE"):
                return {"NULL": None, "TRUE": True, "FALSE": False}[upper]
            if upper in DATE_LITERALS:
                return DateLiteral(upper)
            if upper in DATE_N_LITERALS and self.tok.kind == "punct" and self.tok.text == ":":
                self.advance()
                return DateLiteral(upper, self.integer())
        raise self.error(token)

    def temporal(self, token: Token, convert: Callable[[str], Value]) -> Value:
        try:
            return convert(token.text)
        except ValueError:
            raise self.error(token, message=f"invalid date/time: {token.text}") from None
