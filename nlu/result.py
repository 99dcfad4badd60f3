"""Result types shared by every nlu parser."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, Union

T = TypeVar("T")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A value understood from a text, with its confidence and source span."""

    value: T
    confidence: float
    span: tuple[int, int]
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NotUnderstood:
    """Why a text could not be understood, with a short Chinese re-ask message."""

    reason: str
    message: str


Result = Union[Parsed[T], NotUnderstood]  # noqa: UP007 - a generic alias must stay subscriptable

EMPTY_MESSAGE = "没有收到内容，请再说一遍。"


def empty() -> NotUnderstood:
    """Return the standard result for empty input."""
    return NotUnderstood("empty", EMPTY_MESSAGE)
