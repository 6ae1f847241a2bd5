"""A cursor over SOQL tokens with the helpers every parser part uses (errors in Salesforce's
format at the token's position)."""

from __future__ import annotations

from collections.abc import Iterator

from emulator.http import SalesforceHttpError
from emulator.soql.syntax import EOF_KIND, Token, query_error


class TokenCursor:
    text: str
    tokens: list[Token]
    i: int

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
