"""A procedure's code on its stages: IMPORTS resolved to files, the HANDLER found in them.

IMPORTS are stage paths, ``'@[<db>.][<schema>.]<stage>/<path>'`` (docs: sql/create-procedure,
IMPORTS: "the stage ... and path to the file"); names resolve against the session's current
database and schema, as for any object name. Each file must exist when the procedure is
created. The HANDLER of a staged Python procedure is ``<module>.<function>``: the module must be
in one of the imports (a ``.py`` file, or at the root of a ``.zip``, which Snowflake puts on
``sys.path``), and the function must be defined at its top level — checked by reading the
source (``ast``), not by importing it, so creating a procedure runs none of its code. (Snowflake
imports the handler at CREATE and shows Python's ModuleNotFoundError / AttributeError; the
messages here use the same words.)

At CALL the files are copied into a directory of the call's own (:func:`copy_imports`); the
child process puts each zip, and the directory, on ``sys.path``.
"""

from __future__ import annotations

import ast
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lht.local import fakesnow_patch
from lht.local.snowflake.catalog import CatalogObject
from lht.local.snowflake.registry import Statement
from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.sqltext import Parser

__all__ = ["StagedFile", "check_handler", "copy_imports", "resolve_import"]


@dataclass(frozen=True)
class StagedFile:
    """One import: as written, its stage (database, schema, name) and path on the stage."""

    text: str
    stage: tuple[str, str, str]
    path: str

    @property
    def file(self) -> Path:
        return Path(fakesnow_patch.stage_directory(*self.stage)) / self.path

    @property
    def qualified(self) -> str:
        return "@" + ".".join(self.stage) + "/" + self.path


def resolve_import(stmt: Statement, text: str) -> StagedFile:
    """An IMPORTS entry → the staged file (SqlError when the stage or the file is missing)."""
    if not text.startswith("@") or text.startswith(("@~", "@%")):
        raise SqlError(2, "0A000", f"Unsupported feature 'IMPORTS {text}' (the local Snowflake "
                       "reads named internal stages only).")  # fmt: skip
    location, _, path = text[1:].partition("/")
    parser = Parser(location)
    name = parser.object_name()
    parser.end()
    database, schema, stage = stmt.qualify(name, "CREATE PROCEDURE")
    connection = stmt.session.connection
    if not fakesnow_patch.stage_exists(connection, database, schema, stage):
        raise SqlError.does_not_exist("Stage", f"{database}.{schema}.{stage}")
    staged = StagedFile(text, (database, schema, stage), path.strip("/"))
    if not staged.path or not staged.file.is_file():
        raise SqlError(2003, "02000", f"SQL compilation error:\nFile '{text}' does not exist "
                       "or not authorized.")  # fmt: skip
    return staged


def check_handler(name: str, handler: str, imports: Sequence[StagedFile]) -> None:
    """The handler's module is in the imports and defines the function at its top level."""
    module, _, function = handler.rpartition(".")
    if not module or not function:
        raise _interpreter_error(name, handler, f"ValueError: handler '{handler}' is not "
                                 "<module>.<function>")  # fmt: skip
    source = _module_source(module, imports)
    if source is None:
        raise _interpreter_error(name, handler,
                                 f"ModuleNotFoundError: No module named '{module}'")  # fmt: skip
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise _interpreter_error(name, handler, f"SyntaxError: {exc.msg}") from None
    if function not in _top_level_names(tree):
        raise _interpreter_error(name, handler, f"AttributeError: module '{module}' has no "
                                 f"attribute '{function}'")  # fmt: skip


def _interpreter_error(name: str, handler: str, line: str) -> SqlError:
    """Snowflake's 100357 shape: ``Python Interpreter Error:\\n<error>\\n in function <NAME>
    with handler <handler>`` (as real error texts show it)."""
    return SqlError(100357, "P0000", f"Python Interpreter Error:\n{line}\n in function {name} "
                    f"with handler {handler}")  # fmt: skip


def _module_source(module: str, imports: Sequence[StagedFile]) -> str | None:
    parts = module.split(".")
    candidates = ["/".join(parts) + ".py", "/".join(parts) + "/__init__.py"]
    for staged in imports:
        if staged.path.endswith(".zip"):
            try:
                with zipfile.ZipFile(staged.file) as archive:
                    names = set(archive.namelist())
                    for candidate in candidates:
                        if candidate in names:
                            return archive.read(candidate).decode("utf-8", "replace")
            except zipfile.BadZipFile:
                continue
        elif staged.path.rsplit("/", 1)[-1] == candidates[0].rsplit("/", 1)[-1] and \
                len(parts) == 1:  # fmt: skip
            return staged.file.read_text(encoding="utf-8", errors="replace")
    return None


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def copy_imports(procedure: CatalogObject, directory: Path) -> list[str]:
    """Copy the procedure's staged files into ``directory``; returns their paths there (zips
    first in IMPORTS order, as they go on ``sys.path``). A file removed from its stage since
    CREATE fails the call like a missing import."""
    copied: list[str] = []
    for entry in procedure.properties.get("imports", []):
        database, schema, stage = entry["stage"]
        staged = StagedFile(entry["text"], (database, schema, stage), entry["path"])
        if not staged.file.is_file():
            raise SqlError(2003, "02000", f"SQL compilation error:\nFile '{staged.text}' does "
                           "not exist or not authorized.")  # fmt: skip
        target = directory / Path(staged.path).name
        shutil.copyfile(staged.file, target)
        copied.append(str(target))
    return copied
