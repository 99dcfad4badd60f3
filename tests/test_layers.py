"""The house's layering, checked from the source: who may import whom, and one exception tree.

Run on its own with ``python -m pytest tests/test_layers.py``. Imports are read with :mod:`ast`
(nothing is imported), including imports inside functions and under ``TYPE_CHECKING``: a layer
that needs something above it at type-checking time still depends on it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("nlu", "voice", "storage", "bot", "admin")
#: the one module every layer may import: the domain's exception tree
EVERYONE = "storage.errors"


@dataclass(frozen=True)
class Import:
    """One imported module name, where it is imported."""

    module: str  # the importing module, dotted
    line: int
    name: str  # the imported module, dotted


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, root: Path = ROOT) -> list[Import]:
    """Every module a file imports (relative imports resolved)."""
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.extend(Import(module, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            out.append(Import(module, node.lineno, base))
            # ``from storage import errors`` imports the module storage.errors
            out.extend(Import(module, node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return out


def _files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "static" not in p.parts)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _violations(packages: tuple[str, ...], forbidden: tuple[str, ...], allowed: tuple[str, ...] = (EVERYONE,)) -> list[str]:
    found = []
    for package in packages:
        for path in _files(package) if (ROOT / package).is_dir() else [ROOT / (package.replace(".", "/") + ".py")]:
            if not path.exists():
                continue
            for imp in _imports(path):
                if any(_within(imp.name, f) for f in forbidden) and not any(_within(imp.name, a) for a in allowed):
                    found.append(f"{imp.module}:{imp.line} imports {imp.name}")
    return sorted(set(found))


def test_the_parser_finds_imports_of_every_form(tmp_path: Path) -> None:
    """The checker itself: plain, from, relative, aliased and function-level imports are all seen."""
    (tmp_path / "bot").mkdir()
    path = tmp_path / "bot" / "probe.py"
    path.write_text("import admin.app\nfrom admin import cli as c\nfrom .messages import Reply\n"
                    "def f():\n    from fastapi import Depends\n", encoding="utf-8")
    names = {i.name for i in _imports(path, tmp_path)}
    assert {"admin.app", "admin", "admin.cli", "bot.messages", "bot.messages.Reply", "fastapi"} <= names


@pytest.mark.parametrize(("layer", "above"), [
    ("nlu", ("voice", "storage", "bot", "admin")),
    ("voice", ("nlu", "storage", "bot", "admin")),
    ("storage", ("nlu", "voice", "bot", "admin")),
    ("bot", ("admin",)),
])
def test_no_layer_imports_one_above_it(layer: str, above: tuple[str, ...]) -> None:
    """nlu and voice know nothing of the rest, storage only its models, bot never admin (all may use storage.errors)."""
    assert _violations((layer,), above) == []


def test_services_import_no_web_framework() -> None:
    """Staff-side business logic (admin/services) is plain Python: no FastAPI or Starlette."""
    assert (ROOT / "admin" / "services").is_dir()
    assert _violations(("admin/services",), ("fastapi", "starlette"), allowed=()) == []


def test_services_know_nothing_of_their_callers() -> None:
    """Services sit under the API, the console and the CLI: they import none of them, nor the HTTP plumbing."""
    assert _violations(("admin/services",), ("admin.api", "admin.console", "admin.web", "admin.cli"), allowed=()) == []


def test_console_and_api_are_side_by_side() -> None:
    """The console's pages call services, never the API's route functions, and the API never the console."""
    for package in ("admin/console", "admin/api"):
        assert (ROOT / package).is_dir()
    assert _violations(("admin/console",), ("admin.api",), allowed=()) == []
    assert _violations(("admin/api",), ("admin.console",), allowed=()) == []


def test_table_imports_are_plain_python() -> None:
    """Reading tables (admin/imports) needs no web framework and nothing else of admin."""
    assert (ROOT / "admin" / "imports").is_dir()
    assert _violations(("admin/imports",), ("fastapi", "starlette"), allowed=()) == []
    assert _violations(("admin/imports",), ("admin",), allowed=("admin.imports",)) == []


def test_the_admin_top_level_is_a_map() -> None:
    """admin/ holds its subpackages and the composition root only: every other module lives in a subpackage."""
    top = sorted(p.stem for p in (ROOT / "admin").glob("*.py"))
    assert top == ["__init__", "app", "channels", "outbox", "runtime", "settings", "sms"]
    assert sorted(p.name for p in (ROOT / "admin").iterdir() if p.is_dir() and (p / "__init__.py").exists()) == [
        "api", "cli", "console", "demo", "imports", "services", "web"]


def test_every_admin_module_is_under_500_lines() -> None:
    """Files of one job: no module of admin/ grows past 500 lines."""
    long = [f"{_module_name(p)}: {n}" for p in _files("admin")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) >= 500]
    assert long == []


def test_channel_adapters_write_no_sql() -> None:
    """Channel adapters turn protocol into Incoming and Reply into protocol: no sqlmodel or sqlalchemy."""
    assert _violations(("bot/channels",), ("sqlmodel", "sqlalchemy"), allowed=()) == []


#: exception classes outside the tree, each with why: private control flow is not an error of the domain
OUTSIDE_THE_TREE: dict[str, str] = {}


def _exception_classes() -> list[tuple[str, Path, ast.ClassDef]]:
    out = []
    for package in PACKAGES:
        for path in _files(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    out.append((f"{_module_name(path)}.{node.name}", path, node))
    return out


def test_every_public_exception_is_an_intake_error() -> None:
    """One exception tree: every public exception class of the project descends from storage.errors.IntakeError."""
    import importlib

    from storage.errors import IntakeError

    strays = []
    checked = 0
    for qualified, _path, node in _exception_classes():
        if not node.bases or qualified in OUTSIDE_THE_TREE:
            continue
        module_name, _, name = qualified.rpartition(".")
        cls = getattr(importlib.import_module(module_name), name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            checked += 1
            if not issubclass(cls, IntakeError):
                strays.append(qualified)
    assert checked >= 25
    assert strays == []


def _session_uses(path: Path) -> list[str]:
    """Every access of an attribute named ``session`` in a file (``store.session``, ``self.t.store.session``, …)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return [f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{node.lineno} {ast.unparse(node)}"
            for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "session"]


def test_the_session_checker_sees_every_reach(tmp_path: Path) -> None:
    """The checker itself: a session reached through a store, a turn or a call is seen; a variable named session is not."""
    path = tmp_path / "probe.py"
    path.write_text("def f(t, store, session):\n    t.store.session.add(x)\n    StaffStore(store.session).audit()\n"
                    "    s = getattr(store, 'vault').session\n    session.add(x)\n", encoding="utf-8")
    found = sorted(use.split(" ", 1)[1] for use in _session_uses(path))
    assert found == ["getattr(store, 'vault').session", "store.session", "t.store.session"]


def test_the_engine_reaches_no_session() -> None:
    """bot/ works through the Store's repositories (store.records, store.conversations, store.staff …), never its session."""
    assert [use for path in _files("bot") for use in _session_uses(path)] == []
