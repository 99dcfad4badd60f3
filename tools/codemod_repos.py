"""Codemod of issue 12: ``store.old_method(`` becomes ``store.<repository>.<new>(``.

The old flat methods of :class:`storage.repo.Store` moved to repositories (``storage/repos/``);
:data:`RENAMES` is the one table of where each went. A call site is rewritten only when mypy
infers its receiver to be a ``storage.repo.Store`` (``store.``, ``self.store.``, ``t.store.``,
``uow.store.``, ``Store(session, vault).``, …), so a method of the same name on another class is
left alone. Run from the repository root, with the project's venv::

    .venv/bin/python tools/codemod_repos.py            # rewrite bot/ admin/ tests/ benchmarks/ storage/
    .venv/bin/python tools/codemod_repos.py --check    # list what would change, exit 1 if anything

It is idempotent: a rewritten call's receiver is a repository, not a Store, so a second run finds
nothing. Sites whose receiver mypy could not type (``Any``) but whose text ends in ``store`` are
listed as suspects and left as they are: look at them by hand. Afterwards, ``mypy bot nlu voice
storage admin`` tells whether any call site was missed (the old methods no longer exist).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from mypy import build
from mypy.find_sources import create_source_list
from mypy.nodes import Expression, MypyFile
from mypy.options import Options
from mypy.traverser import NameAndMemberCollector
from mypy.types import AnyType, Instance, Type, get_proper_type

ROOT = Path(__file__).resolve().parent.parent
TREES = ("bot", "admin", "tests", "benchmarks", "storage")
STORE = "storage.repo.Store"

#: old Store method -> (repository attribute of Store, method on that repository)
RENAMES: dict[str, tuple[str, str]] = {
    # persons and channel accounts: storage/repos/people.py
    "account": ("people", "account"),
    "link_account": ("people", "link_account"),
    "id_index": ("people", "id_index"),
    "find_person": ("people", "find"),
    "create_person": ("people", "create"),
    "update_person": ("people", "update"),
    "person_id_number": ("people", "id_number"),
    "person_name": ("people", "name"),
    "person_phone": ("people", "phone"),
    "get_person": ("people", "get"),
    # campaigns and roster: storage/repos/campaigns.py
    "ensure_campaign": ("campaigns", "ensure"),
    "campaign_by_key": ("campaigns", "by_key"),
    "get_campaign": ("campaigns", "get"),
    "roster_entry": ("campaigns", "roster_entry"),
    "put_roster_entry": ("campaigns", "put_roster_entry"),
    "roster_prefill": ("campaigns", "roster_prefill"),
    # records, answers, flags, workflow, progress: storage/repos/records.py
    "previous_values": ("records", "previous_values"),
    "record_for": ("records", "ensure"),
    "get_record": ("records", "get"),
    "current_answers": ("records", "current_answers"),
    "current_answers_for": ("records", "current_answers_for"),
    "record_ids_in": ("records", "ids_in"),
    "records_by_ids": ("records", "by_ids"),
    "answer_history": ("records", "answer_history"),
    "_open": ("records", "open_answer"),
    "save_answer": ("records", "save_answer"),
    "add_flag": ("records", "add_flag"),
    "flags": ("records", "flags"),
    "records_in": ("records", "page_in"),
    "open_flags_in": ("records", "open_flags_in"),
    "progress_counts": ("records", "progress_counts"),
    "move_record": ("records", "move"),
    "workflow_events": ("records", "workflow_events"),
    "records_at_stage": ("records", "at_stage"),
    "get_flag": ("records", "get_flag"),
    "resolve_flags": ("records", "resolve_flags"),
    "submit": ("records", "submit"),
    "reopen": ("records", "reopen"),
    # appeals: storage/repos/appeals.py
    "create_appeal": ("appeals", "create"),
    "appeals_in": ("appeals", "page_in"),
    "get_appeal": ("appeals", "get"),
    "add_appeal_note": ("appeals", "add_note"),
    "appeal_notes": ("appeals", "notes"),
    "appeal_text": ("appeals", "text"),
    "add_appeal_recording": ("appeals", "add_recording"),
    "appeal_recording": ("appeals", "recording"),
    "appeal_recordings": ("appeals", "recordings"),
    # blobs: storage/repos/blobs.py
    "put_blob": ("blobs", "put"),
    "blob_bytes": ("blobs", "read"),
    # outbox: storage/repos/outbox.py
    "queue_outbox": ("outbox", "queue"),
    "take_outbox": ("outbox", "take"),
    "claim_outbox": ("outbox", "claim"),
    "release_outbox": ("outbox", "release"),
    # conversations and message de-duplication: storage/repos/conversations.py
    "conversation": ("conversations", "find"),
    "conversation_state": ("conversations", "state"),
    "save_conversation": ("conversations", "save"),
    "seen_message": ("messages", "seen"),
    "remember_message": ("messages", "remember"),
    "record_replies": ("messages", "record_replies"),
    # regions: storage/repos/regions.py
    "region_by_path": ("regions", "by_path"),
    "region_rows": ("regions", "rows"),
    "region_count": ("regions", "count"),
    "add_regions": ("regions", "add"),
    "children": ("regions", "children"),
}


@dataclass(frozen=True)
class Site:
    """An old method name after a Store receiver: where the whole expression starts (as mypy tells it)."""

    path: Path
    line: int
    column: int
    name: str


def _is_store(typ: Type | None) -> bool:
    proper = get_proper_type(typ) if typ is not None else None
    return isinstance(proper, Instance) and proper.type.fullname == STORE


def _is_any(typ: Type | None) -> bool:
    return typ is None or isinstance(get_proper_type(typ), AnyType)


def _scan(path: Path, tree: MypyFile, types: dict[Expression, Type]) -> tuple[list[Site], list[str]]:
    """The old-method sites of one file whose receiver is a Store, and untyped receivers that look like one."""
    source = path.read_text(encoding="utf-8").splitlines(keepends=True)
    collector = NameAndMemberCollector()  # a compiled visitor: mypy's traits cannot be subclassed from Python
    tree.accept(collector)
    sites: list[Site] = []
    suspects: list[str] = []
    for o in collector.member_exprs:
        if o.name not in RENAMES:
            continue
        receiver = types.get(o.expr)
        if _is_store(receiver):
            sites.append(Site(path, o.line, o.column, o.name))
        elif _is_any(receiver) and o.name in source[o.line - 1] and "store" in source[o.line - 1].lower():
            suspects.append(f"{path.relative_to(ROOT)}:{o.line}: untyped receiver of .{o.name}")
    return sites, suspects


def find_sites(trees: tuple[str, ...] = TREES) -> tuple[list[Site], list[str]]:
    """Every member access of an old Store method on a Store receiver, by mypy's inferred types."""
    options = Options()
    options.export_types = True
    options.preserve_asts = True
    options.check_untyped_defs = True  # infer inside unannotated functions too (tests, helpers)
    options.ignore_missing_imports = True
    options.incremental = False
    options.native_parser = False  # Python's ast: its columns are exact (the native parser's drift after CJK text)
    options.python_version = (3, 11)
    paths = [str(ROOT / t) for t in trees if (ROOT / t).is_dir()]
    sources = create_source_list(paths, options)
    result = build.build(sources, options)
    wanted = {str(Path(s.path).resolve()) for s in sources if s.path}
    sites: list[Site] = []
    suspects: list[str] = []
    for tree in result.files.values():
        if not isinstance(tree, MypyFile) or str(Path(tree.path).resolve()) not in wanted:
            continue
        path = Path(tree.path).resolve()
        found, doubtful = _scan(path, tree, result.types)
        sites.extend(found)
        suspects.extend(doubtful)
    return sites, suspects


def _attributes(text: str) -> dict[tuple[int, int, str], list[tuple[int, int]]]:
    """Where each attribute access ends, by where its expression starts and its name (lines 1-based).

    A start is given both as a character column and as a UTF-8 byte column (Python's ast counts bytes;
    mypy's columns may count either); an end is a character column.
    """
    lines = text.splitlines(keepends=True)

    def chars(line: int, byte: int) -> int:
        return len(lines[line - 1].encode()[:byte].decode(errors="ignore"))

    found: dict[tuple[int, int, str], list[tuple[int, int]]] = defaultdict(list)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Attribute) and node.end_lineno is not None and node.end_col_offset is not None:
            end = (node.end_lineno, chars(node.end_lineno, node.end_col_offset))
            for col in {node.col_offset, chars(node.lineno, node.col_offset)}:
                found[(node.lineno, col, node.attr)].append(end)
    return found


def _patched(path: Path, found: list[Site]) -> str:
    """The file's text with its sites rewritten, last first."""
    text = path.read_text(encoding="utf-8")
    where = _attributes(text)
    ends: set[tuple[int, int, str]] = set()
    for site in set(found):
        matches = set(where.get((site.line, site.column, site.name), []))
        if len(matches) != 1:
            raise SystemExit(f"{path}:{site.line}:{site.column}: {len(matches)} accesses of .{site.name} start there")
        (line, end), = matches
        ends.add((line, end, site.name))
    lines = text.splitlines(keepends=True)
    for line, end, name in sorted(ends, reverse=True):
        source = lines[line - 1]
        if source[end - len(name):end] != name:
            raise SystemExit(f"{path}:{line}: no {name!r} ending at column {end}")
        repo, new = RENAMES[name]
        lines[line - 1] = source[: end - len(name)] + f"{repo}.{new}" + source[end:]
    return "".join(lines)


def rewrite(sites: list[Site]) -> dict[Path, int]:
    """Rewrite the sites in place (every file checked before any is written); how many per file."""
    by_file: dict[Path, list[Site]] = defaultdict(list)
    for site in sites:
        by_file[site.path].append(site)
    patched = {path: _patched(path, found) for path, found in by_file.items()}
    for path, text in patched.items():
        path.write_text(text, encoding="utf-8")
    return {path: len(set(found)) for path, found in by_file.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="list the call sites to rewrite, change nothing")
    parser.add_argument("trees", nargs="*", default=list(TREES), help="folders to rewrite (default: %(default)s)")
    args = parser.parse_args(argv)
    sites, suspects = find_sites(tuple(args.trees))
    for suspect in suspects:
        print(f"suspect (not rewritten): {suspect}", file=sys.stderr)
    if args.check:
        for site in sorted(sites, key=lambda s: (str(s.path), s.line, s.column)):
            repo, new = RENAMES[site.name]
            print(f"{site.path.relative_to(ROOT)}:{site.line}: .{site.name} -> .{repo}.{new}")
        return 1 if sites else 0
    changed = rewrite(sites)
    for path, n in sorted(changed.items()):
        print(f"{path.relative_to(ROOT)}: {n}")
    print(f"{sum(changed.values())} call sites in {len(changed)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
