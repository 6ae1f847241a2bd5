"""SOQL parser for the subset LHT and common clients send; checks names against the org schema.

`parse(text, schema)` returns a `Query` or raises `SalesforceHttpError(400, MALFORMED_QUERY |
INVALID_FIELD | INVALID_TYPE, <Salesforce's message format>)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from emulator.core.schema import FieldDef, ObjectDef, Schema
from emulator.http import SalesforceHttpError
from emulator.soql.literals import check_literal, date_literal, datetime_literal, unquote
from emulator.soql.names import (
    CLAUSE_WORDS,
    DATE_LITERALS,
    DATE_N_LITERALS,
    bad_child_relationship,
    resolve_child,
    resolve_path,
    unsupported_type_message,
)
from emulator.soql.syntax import (
    EOF_KIND,
    And,
    Cmp,
    Condition,
    DateLiteral,
    Includes,
    InList,
    Like,
    Not,
    Or,
    OrderItem,
    Query,
    SelectItem,
    Token,
    Value,
    query_error,
    tokenize,
)

__all__ = ["Query", "parse", "resolve_path"]

AGGREGATES = ("COUNT", "COUNT_DISTINCT", "SUM", "MIN", "MAX", "AVG")


class _Parser:
    def __init__(self, text: str, schema: Schema, parent: ObjectDef | None = None) -> None:
        self.text = text
        self.schema = schema
        self.tokens = tokenize(text)
        self.i = 0
        self.obj: ObjectDef | None = None
        self.parent = parent
        self.link: tuple[str, str] | None = None  # sub-query: (relationship name, lookup field)
        self.flags: dict[str, bool] = {"typeof": False, "subquery": False, "count": False}

    # -- token helpers ---
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(
        self, token: Token | None = None, code: str = "MALFORMED_QUERY", message: str | None = None
    ) -> SalesforceHttpError:
        token = token or self.tok
        text = message or (
            f"unexpected token: '{token.text}'"
            if token.kind != EOF_KIND
            else "unexpected token: '<EOF>'"
        )
        if token.pos == 0 and message is None:
            text = f"unexpected token: {token.text}"
        return query_error(self.text, token.pos, code, text)

    def expect_kw(self, *words: str) -> Token:
        if not self.tok.is_kw(*words):
            raise self.error()
        return self.advance()

    def expect(self, kind: str, text: str | None = None) -> Token:
        if self.tok.kind != kind or (text is not None and self.tok.text != text):
            raise self.error()
        return self.advance()

    # -- statement ---
    def parse(self) -> Query:
        self.expect_kw("SELECT")
        raw_items = self.select_list()
        self.expect_kw("FROM")
        obj = self.from_object(self.expect("ident"))
        self.obj = obj
        if self.tok.kind == "ident" and not self.tok.is_kw(*CLAUSE_WORDS):
            self.advance()  # object alias
        items = tuple(self.resolve_item(tok, item) for tok, item in raw_items)
        return self.clauses(obj, items)

    def from_object(self, token: Token) -> ObjectDef:
        if self.parent is not None:
            child = resolve_child(self.schema, self.parent, token.text)
            if child is None:
                message = bad_child_relationship(token.text)
                raise query_error(self.text, token.pos, "INVALID_TYPE", message)
            self.link = (child[0], child[2].name)
            return child[1]
        obj = self.schema.get(token.text)
        if obj is None or not obj.queryable:
            message = unsupported_type_message(token.text)
            raise query_error(self.text, token.pos, "INVALID_TYPE", message)
        return obj

    def clauses(self, obj: ObjectDef, items: tuple[SelectItem, ...]) -> Query:
        where = group_by = order_by = limit = offset = None
        if self.tok.is_kw("USING"):
            self.advance(), self.expect_kw("SCOPE"), self.expect("ident")
        if self.tok.is_kw("WHERE"):
            self.advance()
            where = self.condition()
        if self.tok.is_kw("GROUP"):
            self.advance(), self.expect_kw("BY")
            group_by = tuple(self.field_ref(self.expect("ident"))[0] for _ in self.comma_list())
        if self.tok.is_kw("ORDER"):
            self.advance(), self.expect_kw("BY")
            order_by = tuple(self.order_item() for _ in self.comma_list())
        if self.tok.is_kw("LIMIT"):
            self.advance()
            limit = self.integer()
        if self.tok.is_kw("OFFSET"):
            self.advance()
            offset = self.integer()
        if self.tok.is_kw("FOR"):
            self.advance(), self.expect_kw("VIEW", "REFERENCE", "UPDATE")
        if self.tok.kind != EOF_KIND:
            raise self.error()
        return self.build(
            obj,
            items,
            where=where,
            group_by=group_by or (),
            order_by=order_by or (),
            limit=limit,
            offset=offset,
        )

    def build(
        self,
        obj: ObjectDef,
        items: tuple[SelectItem, ...],
        *,
        where: Condition | None,
        group_by: tuple[str, ...],
        order_by: tuple[OrderItem, ...],
        limit: int | None,
        offset: int | None,
    ) -> Query:
        compound, base64 = [], []
        for item in items:
            if item.kind != "field":
                continue
            resolved = resolve_path(self.schema, obj, item.path)
            assert not isinstance(resolved, str)
            if resolved[1].is_compound:
                compound.append(item.path)
            if resolved[1].type == "base64":
                base64.append(item.path)
        return Query(
            text=self.text,
            sobject=obj.name,
            items=items,
            where=where,
            order_by=order_by,
            limit=limit,
            offset=offset,
            group_by=group_by,
            is_count=self.flags["count"],
            has_typeof=self.flags["typeof"],
            has_subquery=self.flags["subquery"],
            relationship=self.link[0] if self.link else None,
            parent_field=self.link[1] if self.link else None,
            compound_fields=tuple(compound),
            base64_fields=tuple(base64),
        )

    def comma_list(self) -> Iterator[None]:
        """Yields once per list element; the caller consumes the element between yields."""
        while True:
            yield None
            if self.tok.kind == "punct" and self.tok.text == ",":
                self.advance()
                continue
            return

    def integer(self) -> int:
        token = self.expect("number")
        if not token.text.isdigit():
            raise self.error(token)
        return int(token.text)

    # -- select list ---
    def select_list(self) -> list[tuple[Token, SelectItem]]:
        items: list[tuple[Token, SelectItem]] = []
        for _ in self.comma_list():
            items.append(self.select_item())
        return items

    def select_item(self) -> tuple[Token, SelectItem]:
        token = self.tok
        if token.kind == "punct" and token.text == "(":
            if self.parent is not None:
                raise self.error(token)  # sub-queries do not nest
            self.skip_parenthesised()
            inner = self.text[token.pos + 1 : self.tokens[self.i - 1].pos]
            self.flags["subquery"] = True
            return token, SelectItem("subquery", path=inner)
        if token.is_kw("TYPEOF"):
            while not self.tok.is_kw("END"):
                if self.tok.kind == EOF_KIND:
                    raise self.error()
                self.advance()
            self.advance()
            self.flags["typeof"] = True
            return token, SelectItem("typeof")
        name = self.expect("ident")
        if self.tok.kind == "punct" and self.tok.text == "(":
            return token, self.aggregate(name)
        return token, SelectItem("field", path=name.text)

    def aggregate(self, name: Token) -> SelectItem:
        func = name.text.upper()
        if func not in AGGREGATES:
            raise self.error(name)
        self.advance()
        arg = ""
        if self.tok.kind == "ident":
            arg = self.advance().text
        self.expect("punct", ")")
        if func == "COUNT" and not arg:
            self.flags["count"] = True
            return SelectItem("aggregate", func="COUNT()")
        alias = None
        if self.tok.kind == "ident" and not self.tok.is_kw("FROM"):
            alias = self.advance().text
        return SelectItem("aggregate", path=arg, func=func, alias=alias)

    def skip_parenthesised(self) -> None:
        depth = 0
        while True:
            token = self.advance()
            if token.kind == EOF_KIND:
                raise self.error(token)
            if token.kind == "punct" and token.text == "(":
                depth += 1
            elif token.kind == "punct" and token.text == ")":
                depth -= 1
                if depth == 0:
                    return

    def resolve_item(self, token: Token, item: SelectItem) -> SelectItem:
        if item.kind == "subquery":
            child = _Parser(item.path, self.schema, parent=self.obj).parse()
            return SelectItem("subquery", path=child.relationship or "", sub=child)
        if item.kind == "field" or (item.kind == "aggregate" and item.path):
            path, _ = self.field_ref(Token("ident", item.path, token.pos))
            return SelectItem(item.kind, path=path, func=item.func, alias=item.alias)
        return item

    def field_ref(self, token: Token) -> tuple[str, FieldDef]:
        assert self.obj is not None
        resolved = resolve_path(self.schema, self.obj, token.text)
        if isinstance(resolved, str):
            raise query_error(self.text, token.pos, "INVALID_FIELD", resolved)
        return resolved

    # -- where ---
    def condition(self) -> Condition:
        items = [self.conjunction()]
        while self.tok.is_kw("OR"):
            self.advance()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self) -> Condition:
        items = [self.negation()]
        while self.tok.is_kw("AND"):
            self.advance()
            items.append(self.negation())
        return items[0] if len(items) == 1 else And(tuple(items))

    def negation(self) -> Condition:
        if self.tok.is_kw("NOT"):
            self.advance()
            return Not(self.negation())
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

    def value_list(self, fdef: FieldDef) -> tuple[Value, ...]:
        self.expect("punct", "(")
        if self.tok.is_kw("SELECT"):
            raise self.error(message="Semi-join sub-selects are not supported by the emulator")
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

    def order_item(self) -> OrderItem:
        path, _ = self.field_ref(self.expect("ident"))
        ascending = True
        if self.tok.is_kw("ASC", "DESC"):
            ascending = self.advance().text.upper() == "ASC"
        nulls_first = None
        if self.tok.is_kw("NULLS"):
            self.advance()
            nulls_first = self.expect_kw("FIRST", "LAST").text.upper() == "FIRST"
        return OrderItem(path, ascending, nulls_first)


def parse(text: str, schema: Schema) -> Query:
    """Parse and validate one SOQL statement against `schema`."""
    if not text or not text.strip():
        raise SalesforceHttpError(400, "MALFORMED_QUERY", "A query string has to be specified")
    return _Parser(text, schema).parse()
