"""A tiny, safe expression language for relevance conditions and cross-field rules.

Expressions are Python syntax restricted to: names (question keys), constants, lists/tuples,
``and``/``or``/``not``, comparisons (``== != < <= > >= in not in``), attribute access on
values (``birth_date.year``) and calls of the whitelisted functions in :data:`FUNCTIONS`.
An unanswered question evaluates to ``None``; comparisons with ``None`` are false, so
a condition on an unanswered question is simply not met.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from nlu.dates import DateSpan
from storage.errors import InvalidInput


class ExpressionError(InvalidInput, ValueError):
    """An expression is not valid in the questionnaire language."""


def _answered(value: Any) -> bool:
    return value is not None and value != [] and value != ""


def _years_between(a: Any, b: Any) -> float | None:
    """Whole years from span a to span b (start of each), or None when either is missing."""
    sa, sb = _as_date(a), _as_date(b)
    if sa is None or sb is None:
        return None
    years = sb.year - sa.year - ((sb.month, sb.day) < (sa.month, sa.day))
    return float(years)


def _as_date(value: Any) -> date | None:
    if isinstance(value, DateSpan):
        return value.start
    if isinstance(value, date):
        return value
    return None


def _id_birth(value: Any) -> DateSpan | None:
    """The birth date encoded in an 18-character ID number, as a one-day span."""
    if not isinstance(value, str) or len(value) != 18:
        return None
    try:
        d = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    return DateSpan(d, d, "day")


def _id_gender(value: Any) -> str | None:
    """The GB/T 2261.1 gender code encoded in an ID number: "1" male, "2" female."""
    if not isinstance(value, str) or len(value) != 18 or not value[16].isdigit():
        return None
    return "1" if int(value[16]) % 2 == 1 else "2"


def _within(inner: Any, outer: Any) -> bool | None:
    """True when span ``inner`` lies inside span ``outer`` (overlap for partial dates)."""
    if not isinstance(inner, DateSpan) or not isinstance(outer, DateSpan):
        return None
    return inner.start <= outer.end and outer.start <= inner.end


def _count(value: Any) -> int:
    if isinstance(value, list | tuple):
        return len(value)
    return 0 if value is None else 1


def _starts_with(text: Any, prefix: Any) -> bool | None:
    """True when text answer ``text`` begins with ``prefix`` (e.g. a certificate number with the ID number)."""
    if not isinstance(text, str) or not isinstance(prefix, str):
        return None
    return text.upper().startswith(prefix.upper())


def _substr(text: Any, start: Any, end: Any) -> str | None:
    """Characters ``start`` to ``end`` (0-based, end excluded) of a text answer."""
    if not isinstance(text, str) or not isinstance(start, int) or not isinstance(end, int):
        return None
    return text[start:end] if len(text) >= end else None


FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "starts_with": _starts_with,
    "substr": _substr,
    "answered": _answered,
    "years_between": _years_between,
    "id_birth": _id_birth,
    "id_gender": _id_gender,
    "overlaps": _within,
    "count": _count,
}

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Compare, ast.Eq, ast.NotEq,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.Name, ast.Load,
    ast.Constant, ast.List, ast.Tuple, ast.Attribute, ast.Call,
)
_ALLOWED_ATTRS = frozenset({"start", "end", "year", "month", "day", "granularity", "value"})


@dataclass(frozen=True)
class Expression:
    """A parsed, validated expression; evaluate it against a mapping of answers."""

    source: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Evaluate with ``values`` (question key -> python value or None)."""
        return _eval(self.tree.body, values)

    def holds(self, values: Mapping[str, Any]) -> bool:
        """Evaluate as a condition: errors from missing values count as 'not met'."""
        return bool(self.evaluate(values))


def compile_expression(source: str) -> Expression:
    """Parse and validate an expression; raises ExpressionError naming the problem."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in {source!r}: {exc.msg}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"{type(node).__name__} is not allowed in {source!r}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise ExpressionError(f"unknown function in {source!r}; allowed: {', '.join(sorted(FUNCTIONS))}")
            if node.keywords:
                raise ExpressionError(f"keyword arguments are not allowed in {source!r}")
        if isinstance(node, ast.Attribute) and node.attr not in _ALLOWED_ATTRS:
            raise ExpressionError(f"attribute .{node.attr} is not allowed in {source!r}")
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS and node.id not in ("True", "False", "None"):
            names.add(node.id)
    return Expression(source, tree, frozenset(names))


class _Missing(Exception):
    """Raised inside evaluation when an attribute of an unanswered value is needed."""


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    try:
        return _eval_node(node, env)
    except _Missing:
        return None


def _eval_node(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval_node(e, env) for e in node.elts]
    if isinstance(node, ast.Attribute):
        base = _eval_node(node.value, env)
        if base is None:
            raise _Missing
        return getattr(base, node.attr, None)
    if isinstance(node, ast.Call):
        func = FUNCTIONS[node.func.id]  # type: ignore[attr-defined]
        return func(*[_eval(a, env) for a in node.args])
    if isinstance(node, ast.UnaryOp):
        return not _eval(node.operand, env)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_eval(v, env) for v in node.values)
        return any(_eval(v, env) for v in node.values)
    if isinstance(node, ast.Compare):
        left = _eval_node(node.left, env)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval_node(comp, env)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    raise ExpressionError(f"cannot evaluate {type(node).__name__}")


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    if isinstance(op, ast.Is):
        return left is right
    if isinstance(op, ast.IsNot):
        return left is not right
    if isinstance(op, ast.Eq):
        return bool(left == right)
    if isinstance(op, ast.NotEq):
        return left is not None and bool(left != right)
    if isinstance(op, ast.In | ast.NotIn):
        if left is None or right is None:
            return False
        inside = any(item in right for item in left) if isinstance(left, list) else left in right
        return inside if isinstance(op, ast.In) else not inside
    if left is None or right is None:
        return False
    if isinstance(left, DateSpan) or isinstance(right, DateSpan):
        return _compare_spans(op, left, right)
    try:
        if isinstance(op, ast.Lt):
            return bool(left < right)
        if isinstance(op, ast.LtE):
            return bool(left <= right)
        if isinstance(op, ast.Gt):
            return bool(left > right)
        if isinstance(op, ast.GtE):
            return bool(left >= right)
    except TypeError:
        return False
    return False


def _bounds(value: Any) -> tuple[date, date] | None:
    if isinstance(value, DateSpan):
        return value.start, value.end
    if isinstance(value, date):
        return value, value
    return None


def _compare_spans(op: ast.cmpop, left: Any, right: Any) -> bool:
    """Compare date spans tolerantly: ``a < b`` means a is certainly before b.

    ``a >= b`` is ``not a < b`` (a may be the same time or later), so partial dates such as
    "1985年" never break a rule only because of their coarse granularity.
    """
    lb, rb = _bounds(left), _bounds(right)
    if lb is None or rb is None:
        return False
    before = lb[1] < rb[0]
    after = lb[0] > rb[1]
    if isinstance(op, ast.Lt):
        return before
    if isinstance(op, ast.Gt):
        return after
    if isinstance(op, ast.LtE):
        return not after
    if isinstance(op, ast.GtE):
        return not before
    return False
