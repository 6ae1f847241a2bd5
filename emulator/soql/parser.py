"""SOQL parser for the subset LHT and common clients send; checks names against the org schema.

`parse(text, schema)` returns a `Query` or raises `SalesforceHttpError(400, MALFORMED_QUERY |
INVALID_FIELD | INVALID_TYPE, <Salesforce's message format>)`.
"""

from __future__ import annotations

from emulator.core.schema import FieldDef, ObjectDef, Schema
from emulator.http import SalesforceHttpError
from emulator.soql.names import (
    CLAUSE_WORDS,
    bad_child_relationship,
    resolve_child,
    resolve_path,
    unsupported_type_message,
)
from emulator.soql.syntax import (
    EOF_KIND,
    Condition,
    OrderItem,
    Query,
    SelectItem,
    Token,
    query_error,
    tokenize,
)
from emulator.soql.where import WhereParser

__all__ = ["Query", "parse", "resolve_path"]

AGGREGATES = ("COUNT", "COUNT_DISTINCT", "SUM", "MIN", "MAX", "AVG")


class _Parser(WhereParser):
    def __init__(
        self,
        text: str,
        schema: Schema,
        parent: ObjectDef | None = None,
        span: tuple[int, int] | None = None,
    ) -> None:
        """`span`: parse only text[start:end] (a semi-join sub-select), positions kept."""
        self.text = text
        self.schema = schema
        self.semi = span is not None
        start, end = span or (0, len(text))
        self.tokens = [Token(t.kind, t.text, t.pos + start) for t in tokenize(text[start:end])]
        self.semi_joins = 0
        self.i = 0
        self.obj: ObjectDef | None = None
        self.parent = parent
        self.link: tuple[str, str] | None = None  # sub-query: (relationship name, lookup field)
        self.flags: dict[str, bool] = {"typeof": False, "subquery": False, "count": False}

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
        if self.semi and self.tok.is_kw("GROUP", "ORDER", "LIMIT", "OFFSET"):
            raise self.error()  # not supported in semi-join sub-selects
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

    def parse_span(self, span: tuple[int, int]) -> Query:
        return _Parser(self.text, self.schema, span=span).parse()

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
