"""Resolving place answers against an administrative region tree (province down to village)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from nlu._text import clamp, fold, is_blank
from nlu.ethnicity import SHORT_FORMS
from nlu.result import NotUnderstood, Parsed, Result, empty

LEVELS: tuple[str, ...] = ("province", "prefecture", "county", "township", "village")
_GROUPS = "|".join(sorted(SHORT_FORMS.values(), key=len, reverse=True))
_SUFFIX_RE = re.compile(
    rf"^(?P<stem>.{{2,}}?)(?:(?:(?:{_GROUPS})族)*族?自治(?:州|县|旗)|自治区|特别行政区|街道办事处|街道|社区居委会"
    r"|居委会|村委会|社区|地区|[省市州盟县区旗乡镇村])$"
)


def _strip(name: str) -> str:
    """A region name without its administrative suffix (临夏回族自治州 -> 临夏), or the name itself."""
    m = _SUFFIX_RE.match(name)
    return m.group("stem") if m else name
_FULL, _SHORT, _STRIPPED = 1.0, 0.95, 0.85


@dataclass(frozen=True)
class _Node:
    """One region of the tree."""

    path: str
    level: str
    name: str
    code: str | None
    depth: int


@dataclass(frozen=True)
class _Mention:
    """A region name found in the text with the nodes it may stand for."""

    start: int
    end: int
    nodes: tuple[tuple[int, float], ...]


def _is_under(path: str, ancestor: str) -> bool:
    """Tell whether a path is the ancestor itself or lies below it."""
    return path == ancestor or path.startswith(ancestor + "/")


class RegionIndex:
    """An immutable index of region names for resolving free-text place answers."""

    def __init__(self, nodes: tuple[_Node, ...], names: Mapping[str, tuple[tuple[int, float], ...]]) -> None:
        """Wrap prepared nodes and the name table (use from_rows to build one)."""
        self._nodes = nodes
        self._names = names
        self._lengths = tuple(sorted({len(n) for n in names}, reverse=True))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str | None, str, str | None, str]]) -> RegionIndex:
        """Build the index from (level, code, name, short_name, parent_path) rows as in gansu.tsv."""
        nodes: list[_Node] = []
        names: dict[str, dict[int, float]] = {}

        def add(alias: str, idx: int, weight: float) -> None:
            if len(alias) < 2:
                return
            slot = names.setdefault(alias, {})
            if slot.get(idx, 0.0) < weight:
                slot[idx] = weight

        for level, code, name, short, parent in rows:
            name = fold(name.strip())
            parent = (parent or "").strip().strip("/")
            path = f"{parent}/{name}" if parent else name
            idx = len(nodes)
            nodes.append(_Node(path, level, name, code or None, path.count("/")))
            add(name, idx, _FULL)
            if short:
                add(fold(short.strip()), idx, _SHORT)
            stripped = _strip(name)
            if stripped != name and len(stripped) >= 2:
                add(stripped, idx, _STRIPPED)
                for kind in ("州", "县", "旗"):
                    if name.endswith("自治" + kind):
                        add(stripped + kind, idx, _SHORT)  # 临夏州, 东乡县
            if short:
                short_stripped = _strip(fold(short.strip()))
                if short_stripped != short and len(short_stripped) >= 2:
                    add(short_stripped, idx, _STRIPPED)
        frozen = MappingProxyType({k: tuple(v.items()) for k, v in names.items()})
        return cls(tuple(nodes), frozen)

    def __len__(self) -> int:
        """Number of regions in the index."""
        return len(self._nodes)

    def _mentions(self, text: str) -> list[_Mention]:
        """Longest region names in the text, left to right, without overlaps."""
        found: list[_Mention] = []
        i = 0
        n = len(text)
        while i < n:
            for size in self._lengths:
                if i + size > n:
                    continue
                hit = self._names.get(text[i : i + size])
                if hit is not None:
                    found.append(_Mention(i, i + size, hit))
                    i += size
                    break
            else:
                i += 1
        return found

    def _ranked(
        self, text: str, within: str | None
    ) -> tuple[list[tuple[tuple[int, float, int], int]], list[_Mention]]:
        """Candidate nodes scored (explained mentions, weight, -depth), best first, and the mentions.

        Among equally good readings the shallower one wins: "东乡东塬" is the township 东塬乡, not its
        village 东塬村, because the person did not say more.
        """
        mentions = self._mentions(fold(text))
        if within:
            within = within.strip("/")
        scored: dict[int, tuple[int, float, int]] = {}
        for mention in mentions:
            for idx, _ in mention.nodes:
                node = self._nodes[idx]
                if within and not _is_under(node.path, within):
                    continue
                if idx in scored:
                    continue
                count, weight = 0, 0.0
                for other in mentions:
                    direct = next((w for j, w in other.nodes if j == idx), 0.0)
                    best = direct or max(
                        (w for j, w in other.nodes if _is_under(node.path, self._nodes[j].path)), default=0.0
                    )
                    if best:
                        count += 1
                        weight += best
                scored[idx] = (count, round(weight, 6), -node.depth)
        ranked = sorted(((score, idx) for idx, score in scored.items()), key=lambda x: x[0], reverse=True)
        return ranked, mentions

    def candidates(self, text: str, within: str | None = None, limit: int = 5) -> list[str]:
        """Full paths that the text may refer to, best first."""
        if is_blank(text):
            return []
        ranked, _ = self._ranked(text, within)
        return [self._nodes[idx].path for _, idx in ranked[:limit]]

    def resolve(self, text: str, within: str | None = None) -> Result[str]:
        """Resolve a place answer to one full path, tolerating short names and missing levels."""
        if is_blank(text):
            return empty()
        ranked, mentions = self._ranked(text, within)
        if not ranked:
            return NotUnderstood("no_match", "没有找到这个地方，请说出县（区）、乡镇和村的名称。")
        top_score, top_idx = ranked[0]
        top = self._nodes[top_idx]
        rivals = [
            idx for score, idx in ranked[1:]
            if score[:2] == top_score[:2]
            and not _is_under(top.path, self._nodes[idx].path)
            and not _is_under(self._nodes[idx].path, top.path)
        ]
        if rivals:
            paths = [top.path, *(self._nodes[i].path for i in rivals)][:3]
            listing = "；".join(p.replace("/", "") for p in paths)
            return NotUnderstood("ambiguous", f"有几个地方同名：{listing}。请再说一下上一级的县或乡镇。")
        count, weight, _ = top_score
        confidence = weight / count
        if count < len(mentions):
            confidence *= 0.8
        used = [
            m for m in mentions if any(_is_under(top.path, self._nodes[j].path) for j, _ in m.nodes)
        ]
        span = (min(m.start for m in used), max(m.end for m in used)) if used else (0, len(text))
        extra: dict[str, object] = {"level": top.level}
        if top.code:
            extra["code"] = top.code
        return Parsed(top.path, clamp(confidence), span, extra)
