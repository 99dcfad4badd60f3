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
