"""Options of a choice question and their normalised names (labels, synonyms, pinyin readings)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin

from nlu._text import fold


@dataclass(frozen=True)
class Option:
    """One answer option of a question, with the other words people use for it."""

    code: str
    label: str
    synonyms: tuple[str, ...] = ()
    exclusive: bool = False  # chosen alone in a multiple choice (都没有 / 都不需要)
    none: bool = False  # means "none of these" even when its label does not say so


# --- pinyin ------------------------------------------------------------------------------------

_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("r", "l"), ("f", "h"))
_FUZZY_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"), ("uan", "an"), ("ong", "on"))


def _fuzzy_syllable(s: str) -> str:
    """Merge sounds that speakers of north-western Mandarin and ASR confuse (zh/z, in/ing, n/l...)."""
    for a, b in _FUZZY_INITIALS:
        if s.startswith(a):
            s = b + s[len(a) :]
            break
    for a, b in _FUZZY_FINALS:
        if s.endswith(a):
            s = s[: -len(a)] + b
            break
    return s


@lru_cache(maxsize=32768)
def readings(ch: str) -> tuple[frozenset[str], frozenset[str]]:
    """Toneless pinyin readings of one character (all heteronyms) and their fuzzy forms."""
    if not ("\u3400" <= ch <= "\u9fff"):
        return frozenset({ch}), frozenset({ch})
    exact = frozenset(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])
    return exact, frozenset(_fuzzy_syllable(s) for s in exact)


NONE_RE = re.compile(
    r"^(?:我|我们|我家|家里)?(?:都|全都|一个都|一个也|一样都|一样也|啥都|什么都|全|均|以上都|以上均|上面都)?"
    r"(?:没有|没|不是|无|不享受|没参加|没享受|没办|没买|不需要|不要|没领)(?:的|啊|呀|吧|过|了)*$"
)
NONE_LABELS = frozenset({"无", "没有", "都没有", "以上都没有", "以上均无", "均无", "以上都不是", "都不是", "无以上情况"})

# --- option index ------------------------------------------------------------------------------

_PAREN_RE = re.compile(r"[（(](.*?)[)）]")
_SPLIT_RE = re.compile(r"[/／、]")


@dataclass(frozen=True)
class Name:
    """A written form of an option (label or synonym), normalised."""

    text: str
    code: str
    is_label: bool
    sounds: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    han: bool = False


@dataclass(frozen=True)
class Index:
    """Normalised names of an option set, longest first."""

    names: tuple[Name, ...]
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    none_codes: tuple[str, ...]  # options meaning "none of these" (都没有), never found inside sentences
    mention_names: tuple[Name, ...]  # names searched inside sentences (without the none options)


def norm(text: str) -> str:
    """Fold width and case, drop spaces, for comparing names."""
    return fold(text).lower().replace(" ", "").replace("\u3000", "")


def norm_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Normalise a text like norm, with the original index of every kept character (plus the end)."""
    folded = fold(text)
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(folded):
        if ch.isspace():
            continue
        low = ch.lower()
        chars.append(low if len(low) == 1 else ch)
        where.append(i)
    where.append(len(text))
    return "".join(chars), tuple(where)


def orig(where: tuple[int, ...], start: int, end: int) -> tuple[int, int]:
    """Original span of a span of the normalised text."""
    if end <= start:
        return where[start], where[start]
    return where[start], where[end - 1] + 1


def _variants(name: str) -> list[str]:
    """A name and its pieces: 无业（待业） -> 无业（待业）, 无业, 待业."""
    out = [name]
    inner = _PAREN_RE.findall(name)
    bare = _PAREN_RE.sub("", name)
    if bare and bare != name:
        out.append(bare)
    out.extend(i for i in inner if len(i) >= 2 and not i.startswith(("如", "含", "包括", "例如")))
    for piece in _SPLIT_RE.split(bare):
        if piece and piece != bare and len(piece) >= 2:
            out.append(piece)
    return out


@lru_cache(maxsize=512)
def index_of(options: tuple[Option, ...]) -> Index:
    """Build (and cache per option set) the names of the options."""
    names: dict[str, Name] = {}
    for opt in options:
        for i, raw in enumerate((opt.label, *opt.synonyms)):
            for variant in _variants(raw):
                n = norm(variant)
                if n and n not in names:
                    han = any("\u3400" <= c <= "\u9fff" for c in n)
                    names[n] = Name(n, opt.code, i == 0, tuple(readings(c) for c in n), han)
    ordered = tuple(sorted(names.values(), key=lambda x: -len(x.text)))
    none_codes = tuple(
        o.code for o in options if norm(o.label) in NONE_LABELS or NONE_RE.match(norm(o.label))
    )
    mention_names = tuple(n for n in ordered if n.code not in none_codes)
    return Index(ordered, tuple(o.code for o in options), tuple(o.label for o in options), none_codes, mention_names)

