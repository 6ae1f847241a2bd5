"""LIST / LS and REMOVE / RM on named internal stages, with a path and PATTERN.

fakesnow 0.12.1 lists a whole stage only (``LIST @s/path`` fails with "Stage 'DB.S.S/PATH'
does not exist") and cannot parse REMOVE at all, so LHT's cleanup of a run's prefix (``REMOVE
@LHT.LHT_STAGE/<sobject>/<run>/``) failed on the local Snowflake. Both are answered here from
the stage's directory (the files fakesnow's PUT wrote, :func:`stages.stage_dir`).

Grammar and meaning (docs.snowflake.com/en/sql-reference/sql/list, .../sql/remove):

- ``{ LIST | LS | REMOVE | RM } @[<namespace>.]<stage>[/<path>] [ PATTERN = '<regex>' ]``; the
  location may be single-quoted (``'@"my stage"/x'``). ``<path>`` is a case-sensitive *prefix*
  of the file names ("files have names that begin with a common string"): ``/a/r1`` also
  matches ``a/r10/...``. Unquoted stage names are upper-cased, quoted ones kept.
- PATTERN: "lists all files in the specified path and applies the regular expression pattern
  on each of the files found". The docs do not say which text the regex sees or whether it is
  anchored; here it must match the *whole* name as LIST prints it (``<stage>/<path>/<file>``,
  the stage name lower-cased), the reading under which the docs' ``'.*jun.*'``-style examples
  work (:data:`PATTERN_MATCHES_WHOLE_NAME`).
- LIST answers ``name, size, md5, last_modified``; REMOVE answers ``name, result`` with
  ``removed`` per file, no row when nothing matched (not an error). An unknown stage fails
  with 002003 "Stage '...' does not exist or not authorized.".
- Privileges: LIST needs READ on the stage, REMOVE WRITE (user-guide/security-access-control-
  privileges, "Stage privileges").

User (``@~``) and table (``@%t``) stages are not modelled: a clear 0A000 error says so.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lht.local import fakesnow_patch
from lht.local.snowflake.registry import Registry, Statement
from lht.local.snowflake.responses import Column, Result, SqlError
from lht.local.snowflake.sqltext import Parser

__all__ = ["PATTERN_MATCHES_WHOLE_NAME", "StageLocation", "parse_location", "register"]

#: Knob (docs silent, see the module docstring): True = the regex must match the whole listed
#: name; False = it need only occur somewhere in the path below the stage.
PATTERN_MATCHES_WHOLE_NAME = True

_HEAD = re.compile(r"\s*(?P<verb>LIST|LS|REMOVE|RM)\s+", re.I)
_QUOTED = re.compile(r"'((?:[^'\\]|\\.|'')*)'", re.S)
_BARE = re.compile(r"@[^\s;]*")
_PART = re.compile(r'"((?:[^"]|"")*)"|([^".]+)')
_LIST_COLUMNS = (Column("name"), Column("size", "fixed"), Column("md5"),
                 Column("last_modified"))  # fmt: skip
_REMOVE_COLUMNS = (Column("name"), Column("result"))


def register(registry: Registry) -> None:
    for verb in ("LIST", "LS"):
        registry.add(verb, "", list_files)
    for verb in ("REMOVE", "RM"):
        registry.add(verb, "", remove_files)


@dataclass(frozen=True)
class StageLocation:
    """``@db.schema.stage/path`` read: name parts as given (1–3), the path prefix, the regex."""

    parts: tuple[str, ...]
    path: str
    pattern: str | None


def parse_location(sql: str) -> StageLocation:
    """Read ``<verb> <location> [PATTERN = '...']``; Snowflake's syntax error otherwise."""
    head = _HEAD.match(sql)
    if head is None:
        raise Parser(sql).error()
    rest = sql[head.end() :]
    quoted = _QUOTED.match(rest)
    if quoted:
        text = Parser(quoted.group(0)).string()
        tail = rest[quoted.end() :]
    else:
        bare = _BARE.match(rest)
        if bare is None or len(bare.group(0)) < 2:
            raise SqlError(1003, "42000", "SQL compilation error:\nsyntax error in stage "
                           "reference (expected @<stage>[/<path>]).")  # fmt: skip
        text, tail = bare.group(0), rest[bare.end() :]
    pattern = _pattern(tail)
    if not text.startswith("@") or text[1:2] in ("~", "%"):
        where = text.split("/", 1)[0]
        raise SqlError(2, "0A000", f"Unsupported feature '{where}': the local Snowflake lists "
                       "and removes files on named internal stages only.")  # fmt: skip
    name, _, path = _split_path(text[1:])
    return StageLocation(_name_parts(name), path, pattern)


def _pattern(tail: str) -> str | None:
    parser = Parser(tail)
    pattern = None
    if parser.accept("PATTERN"):
        parser.expect_punct("=")
        pattern = parser.string()
    parser.accept_punct(";")
    parser.end()
    return pattern


def _split_path(text: str) -> tuple[str, str, str]:
    """Split ``name/path`` at the first ``/`` outside double quotes."""
    inside = False
    for index, char in enumerate(text):
        if char == '"':
            inside = not inside
        elif char == "/" and not inside:
            return text[:index], "/", text[index + 1 :]
    return text, "", ""


def _name_parts(name: str) -> tuple[str, ...]:
    parts: list[str] = []
    position = 0
    while position < len(name):
        match = _PART.match(name, position)
        if match is None:
            break
        quoted, bare = match.groups()
        parts.append(quoted.replace('""', '"') if quoted is not None else bare.upper())
        position = match.end()
        if position < len(name):
            if name[position] != ".":
                break
            position += 1
    if not parts or position != len(name) or len(parts) > 3:
        raise SqlError(1003, "42000", f"SQL compilation error:\ninvalid stage name '@{name}'.")
    return tuple(parts)


@dataclass(frozen=True)
class _File:
    name: str  # as LIST prints it: <stage lower-cased>/<path in the stage>
    path: Path
    root: Path  # the stage's directory


def _matching(stmt: Statement, location: StageLocation, privilege: str) -> list[_File]:
    parts = location.parts
    padded = (*(None,) * (3 - len(parts)), *parts)
    database = padded[0] or stmt.session.database
    schema = padded[1] or stmt.session.schema
    stage = parts[-1]
    if not database or not schema:
        raise SqlError(90105, "22000", "Cannot perform stage operation. This session does not "
                       "have a current database. Call 'USE DATABASE', or use a qualified "
                       "name.")  # fmt: skip
    if not fakesnow_patch.stage_exists(stmt.session.connection, database, schema, stage):
        raise SqlError(2003, "02000", f"SQL compilation error:\nStage '{database}.{schema}."
                       f"{stage}' does not exist or not authorized.")  # fmt: skip
    stmt.authorize(privilege, "STAGE", (database, schema, stage))
    root = Path(fakesnow_patch.stage_directory(database, schema, stage))
    regex = re.compile(location.pattern, re.S) if location.pattern is not None else None
    found: list[_File] = []
    for path in sorted(root.rglob("*")) if root.is_dir() else ():
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or not relative.startswith(location.path):
            continue
        name = f"{stage.lower()}/{relative}"
        if regex is None or (
            regex.fullmatch(name) if PATTERN_MATCHES_WHOLE_NAME else regex.search(relative)
        ):
            found.append(_File(name, path, root))
    return found


def list_files(stmt: Statement) -> Result:
    files = _matching(stmt, parse_location(stmt.sql), "READ")
    rows = []
    for file in files:
        data = file.path.read_bytes()
        modified = datetime.fromtimestamp(file.path.stat().st_mtime, UTC)
        rows.append([file.name, len(data), hashlib.md5(data).hexdigest(),
                     modified.strftime("%a, %d %b %Y %H:%M:%S GMT")])  # fmt: skip
    return Result(_LIST_COLUMNS, rows)


def _prune(directory: Path, root: Path) -> None:
    """Drop directories a REMOVE emptied (a stage has no folders, only names)."""
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def remove_files(stmt: Statement) -> Result:
    files = _matching(stmt, parse_location(stmt.sql), "WRITE")
    for file in files:
        os.remove(file.path)
        _prune(file.path.parent, file.root)
    return Result(_REMOVE_COLUMNS, [[file.name, "removed"] for file in files])
