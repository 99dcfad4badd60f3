"""Property: a known yes/no value rendered in random surface forms parses back to the same value."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.result import NotUnderstood, Parsed
from nlu.yesno import parse_yes_no

# cores of the unit tests' own choosing (the generator of the benchmark has its own)
_YES = ("有", "是的", "对", "有的", "领着", "享受着", "需要", "要的", "同意", "可以", "要得", "有着呢", "没问题")
_NO = ("没有", "不是", "不对", "没领", "没有领过", "不享受", "不需要", "不要", "不同意", "莫得", "冇得", "没得", "木有")
_INTENS_NEG = ("", "", "绝对", "根本", "从来", "压根", "肯定", "真的", "当然", "一直")
_INTENS_POS = ("", "", "当然", "肯定", "确实", "真的")
_FILLER = ("", "嗯，", "那个", "我说", "哎呀，", "这个嘛 ")
_TAIL = ("", "的", "呢", "啊", "嘛", "哩", "！", "。")
_TRAD = str.maketrans("没对领过说应该吗这个实确现们", "沒對領過說應該嗎這個實確現們")


@st.composite
def answers(draw: st.DrawFn) -> tuple[str, str, bool]:
    value = draw(st.sampled_from(("yes", "no")))
    core = draw(st.sampled_from(_YES if value == "yes" else _NO))
    intens = draw(st.sampled_from(_INTENS_POS if value == "yes" else _INTENS_NEG))
    if intens and not core.startswith(("有", "是", "需要", "同意", "没", "不")):
        intens = ""
    hedged = draw(st.booleans()) and core in ("有", "没有", "不是", "需要", "不需要", "没领")
    text = draw(st.sampled_from(_FILLER)) + ("应该" if hedged else "") + intens + core
    text += "吧" if hedged else draw(st.sampled_from(_TAIL)) if not core.endswith("呢") else ""
    if draw(st.integers(0, 3)) == 0:
        text = text.translate(_TRAD)
    if draw(st.integers(0, 3)) == 0:
        text = " ".join(text)
    if draw(st.integers(0, 5)) == 0:
        text = text * 2 if len(text) < 4 else text
    return text, value, hedged


@settings(max_examples=200, deadline=None)
@given(answers())
def test_rendered_values_parse_back(case: tuple[str, str, bool]) -> None:
    text, value, hedged = case
    r = parse_yes_no(text)
    assert isinstance(r, Parsed), (text, r)
    assert r.value == value, (text, r)
    assert r.confidence >= 0.6, (text, r)
    assert bool(r.extra.get("hedged")) == hedged, (text, r)
    assert 0 <= r.span[0] < r.span[1] <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_never_raises(text: str) -> None:
    r = parse_yes_no(text)
    assert isinstance(r, Parsed | NotUnderstood)
    if isinstance(r, Parsed):
        assert r.value in ("yes", "no", "unsure", "refuse") and 0.0 <= r.confidence <= 1.0
