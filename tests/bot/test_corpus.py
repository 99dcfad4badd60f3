"""The conversation corpus: whole scripted conversations in tests/bot/corpus/*.yaml, driven through the real engine.

Each conversation is told the way the elderly people of the plans talk. The runner says each turn,
checks what the bot is asking before it (when the script says), answers whatever the script does not
cover from the file's ``fill`` table, and then checks the stored record field by field: every expected
key with its stored value (as ``bot.values.encode`` stores it), and no stored answer outside the
expected set, so that no reply is stored under a question it did not answer.

A conversation marked ``pending: "<why>"`` fails today because of a known symptom (issue 12); it runs
as ``xfail(strict=True)``, so a fix that makes it pass turns red until ``pending`` is removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import select

from admin.imports.regions import read_region_file
from admin.imports.roster import import_roster
from admin.runtime import Runtime, load_questionnaires
from bot.messages import Reply
from bot.questionnaire import QType, Questionnaire
from storage.models import Answer, Flag, Record
from tests.conftest import Chat, make_settings, shared_path
from tests.helpers import ANY_COLLECTOR, make_id

CORPUS = Path(__file__).parent / "corpus"
ANY = "<any>"  # an expected value: stored, with a value whose shape the issue leaves open
ROSTER_DAY = date(2026, 7, 1)


class Symptom(StrEnum):
    """The symptoms listed in issue 12 that a conversation can show (each needs at least one)."""

    WARNING_REPLY_STORED_ELSEWHERE = "warning-reply-stored-elsewhere"  # 没错，就是1966年3月 -> 两项补贴
    WARNING_YES_STORED_AS_DATE = "warning-yes-stored-as-date"  # 是 stored as the discharge date
    NAME_IN_SENTENCE = "name-in-sentence"  # 我姓马，叫马福贵，回族 -> 姓名 我姓马
    CONFIRM_PROMPT_OTHER_TYPE = "confirm-prompt-other-type"  # 男 to 上次登记的姓名是… -> 姓名 男
    GATE_OVER_ANSWER = "gate-over-answer"  # 有，自己盖的房子，一百二十平 at has_housing
    OTHER_QUESTION_DROPPED = "other-question-dropped"  # 八五年当的兵，八九年退的 at the category
    MULTI_NONE_WORDINGS = "multi-none-wordings"  # 啥也没领过, 不领, 我又不是残疾人，不领
    MULTI_NONE_FLAGGED = "multi-none-flagged"  # 没有，一分钱补助都没领过 stored raw as 待核实
    MULTI_REASK_TEXT = "multi-reask-text"  # 请从这些里选一个 on a multiple choice, list cut with 等
    PLACEMENT_SENTENCE = "placement-sentence"  # 退伍回来政府给安排到县农机厂上班了
    NO_PHONE = "no-phone"  # 没有电话: no way forward
    PHOTO_DECLINED = "photo-declined"  # 不用了 at the photo question
    HISTORY_ON_RELOAD = "history-on-reload"  # a reload shows only the last question
    PROGRESS = "progress"  # no 第5题/共26题
    READBACK_ITEMS = "readback-items"  # the read-back is one wall of text


class Kind(StrEnum):
    """What the bot's last message must be before a turn."""

    QUESTION = "question"
    CONFIRM = "confirm"
    SUMMARY = "summary"
    RECEIPT = "receipt"
    NOTICE = "notice"
    WARNING = "warning"  # the last turn's replies include a refusal with a reason (kind "error")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Turn(_Strict):
    """One message of the person, with what the bot must be doing just before it."""

    at: str | None = None  # first answer from the fill table until the bot asks this question
    say: str | None = None
    reload: bool = False  # open the chat again (a page reload) instead of saying something
    asks: str | None = None  # the key of the question being asked
    kind: Kind | None = None
    shows: list[str] = Field(default_factory=list)  # texts the bot's last replies contain
    shows_re: list[str] = Field(default_factory=list)  # patterns the bot's last replies match
    hides: list[str] = Field(default_factory=list)  # texts the bot's last replies must not contain
    min_choices: int | None = None  # the last reply offers at least this many buttons

    @model_validator(mode="after")
    def _one_action(self) -> Turn:
        if (self.say is None) == (not self.reload):
            raise ValueError("a turn says something or reloads, exactly one of them")
        return self


class FillAnswer(_Strict):
    """What the filler says to a question the script leaves open, and what that stores."""

    say: str
    value: Any = None
    stores: bool = True  # False: the answer skips an optional question, nothing is stored


class RosterEntry(_Strict):
    """The person on the campaign's roster (identification then needs the code sent to the phone)."""

    name: str | None = None
    phone: str | None = "13912345678"
    columns: dict[str, str] = Field(default_factory=dict)  # more roster columns by header


class IdParts(_Strict):
    """The parts of a generated ID number (tests.helpers.make_id)."""

    region: str = "620102"
    birth: str = "19650312"
    seq: str = "001"


class Conversation(_Strict):
    """One scripted whole conversation and the record it must leave."""

    id: str
    about: str
    symptom: Symptom | None = None
    pending: str | None = None
    id_number: IdParts | None = None  # people's questionnaires: the default parts when not given
    roster: RosterEntry | None = None
    village: str | None = None  # village forms: what the collector says to pick the village
    turns: list[Turn]
    fill: bool = True  # answer questions the script leaves open from the file's fill table
    may_ask: list[str] = Field(default_factory=list)  # expected keys the filler may still be asked
    expect: dict[str, Any]
    absent: list[str] = Field(default_factory=list)
    flags: list[tuple[str, str]] | None = None  # (key, reason) of every flag, when given
    end: Kind = Kind.SUMMARY
    end_shows: list[str] = Field(default_factory=list)
    end_min_choices: int | None = None
    submit: bool = False  # say 确认提交 at the read-back and expect the receipt


class CorpusFile(_Strict):
    """One file of the corpus: conversations over one questionnaire."""

    questionnaire: str
    fill: dict[str, FillAnswer]
    conversations: list[Conversation]


def _plain(value: Any) -> Any:
    """YAML values as the store gives them back (dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@cache
def corpus() -> tuple[CorpusFile, ...]:
    """Every file of the corpus, validated."""
    files = []
    for path in sorted(CORPUS.glob("*.yaml")):
        files.append(CorpusFile.model_validate(_plain(yaml.safe_load(path.read_text(encoding="utf-8")))))
    return tuple(files)


def _cases() -> Iterator[Any]:
    for f in corpus():
        for conv in f.conversations:
            marks = [pytest.mark.xfail(strict=True, reason=conv.pending)] if conv.pending else []
            yield pytest.param(f, conv, id=conv.id, marks=marks)


@cache
def _questionnaires() -> dict[str, Questionnaire]:
    return dict(load_questionnaires(make_settings("sqlite://")))


# -- the corpus itself ---------------------------------------------------------------------------


def test_corpus_is_large_and_covers_every_symptom() -> None:
    conversations = [c for f in corpus() for c in f.conversations]
    ids = [c.id for c in conversations]
    assert len(conversations) >= 60, len(conversations)
    assert len(set(ids)) == len(ids), [i for i in ids if ids.count(i) > 1]
    assert {f.questionnaire for f in corpus()} == {"veterans", "disabled_update", "village_services"}
    assert set(Symptom) <= {c.symptom for c in conversations}
    assert sum(1 for c in conversations if not c.pending) >= 30  # it guards today's behaviour too


@pytest.mark.parametrize("name", [f.questionnaire for f in corpus()])
def test_corpus_names_only_real_questions(name: str) -> None:
    q = _questionnaires()[name]
    for f in corpus():
        if f.questionnaire != name:
            continue
        assert set(f.fill) <= set(q.by_key), set(f.fill) - set(q.by_key)
        for conv in f.conversations:
            named = set(conv.expect) | set(conv.absent) | set(conv.may_ask) | {k for k, _ in conv.flags or ()}
            named |= {t.asks for t in conv.turns if t.asks}
            assert named <= set(q.by_key), (conv.id, named - set(q.by_key))
            assert not set(conv.expect) & set(conv.absent), conv.id
            assert set(conv.may_ask) <= set(conv.expect), conv.id


# -- the runner ----------------------------------------------------------------------------------


def _load_villages(runtime: Runtime, tmp_path: Path) -> None:
    """The branch of the Gansu region tree down to 东塬乡's villages, loaded and indexed (small: it is fast)."""
    lines = shared_path("data", "regions", "gansu.tsv").read_text(encoding="utf-8").splitlines()
    wanted = ("\t甘肃省\t", "\t临夏回族自治州\t", "\t东乡族自治县\t", "\t东塬乡\t", "东乡族自治县/东塬乡")
    keep = [lines[0]] + [ln for ln in lines[1:] if any(w in ln + "\t" for w in wanted)]
    small = tmp_path / "dongyuan.tsv"
    small.write_text("\n".join(keep) + "\n", encoding="utf-8")
    with runtime.store_scope() as store:
        store.regions.add(read_region_file(small))
    runtime.reload_regions()


def _put_on_roster(runtime: Runtime, q: Questionnaire, id_number: str, entry: RosterEntry, tmp_path: Path) -> None:
    columns = {"身份证号": id_number, "姓名": entry.name or "", "联系电话": entry.phone or "", **entry.columns}
    path = tmp_path / "roster.csv"
    path.write_text(",".join(columns) + "\n" + ",".join(columns.values()) + "\n", encoding="utf-8")
    with runtime.store_scope() as store:
        campaign = store.campaigns.ensure(q.name, q.version, 2026, q.campaign.title, q.campaign.reference_for(2026))
        report = import_roster(store, campaign, q, path, None, ROSTER_DAY)
        assert report.rejected == [], report.rejected


def _shown(replies: list[Reply]) -> str:
    return "\n".join(r.text + "".join(f"\n[{c.label}]" for c in r.choices) for r in replies)


def _check_bot(where: str, chat: Chat, asks: str | None, kind: Kind | None, shows: list[str],
               shows_re: list[str], hides: list[str], min_choices: int | None) -> None:
    """What the bot said last matches what the script says it must be doing."""
    replies = chat.replies
    said = _shown(replies)
    context = f"{where}; the bot said:\n{said}"
    assert replies, f"{where}: no reply"
    if asks is not None:
        assert chat.asking == asks, f"{where}: expected the bot to ask {asks}, it asks {chat.asking}; {context}"
    if kind == Kind.WARNING:
        assert any(r.kind == "error" for r in replies), f"{where}: expected a warning; {context}"
    elif kind is not None:
        assert chat.last.kind == kind.value, f"{where}: expected a {kind.value}, got {chat.last.kind}; {context}"
    for text in shows:
        assert text in said, f"{where}: expected {text!r}; {context}"
    for pattern in shows_re:
        assert re.search(pattern, said), f"{where}: expected /{pattern}/; {context}"
    for text in hides:
        assert text not in said, f"{where}: did not expect {text!r}; {context}"
    if min_choices is not None:
        assert len(chat.last.choices) >= min_choices, f"{where}: expected {min_choices}+ buttons; {context}"


def _fill(f: CorpusFile, conv: Conversation, chat: Chat, id_number: str, filled: dict[str, Any], asked: set[str],
          until: str | None = None) -> None:
    """Answer what the script leaves open from the file's fill table, until the read-back or question ``until``."""
    for step in range(80):
        last = chat.last
        if until is not None and chat.asking == until:
            return
        if last.kind in ("summary", "receipt") or not conv.fill:
            assert until is None, f"reached the {last.kind} before {until} was asked:\n{_shown(chat.replies)}"
            return
        key = last.question
        where = f"filling, step {step + 1}"
        said = _shown(chat.replies)
        assert key is not None, f"{where}: expected a question, got {last.kind}:\n{said}"
        assert last.kind in ("question", "confirm"), f"{where}: a {last.kind} the script does not cover:\n{said}"
        assert key in f.fill, f"{where}: asked {key}, which has no fill answer:\n{said}"
        answer = f.fill[key]
        assert key not in conv.absent or not answer.stores, f"{where}: asked {key}, which must stay unanswered:\n{said}"
        # before the script's last turn a later turn may still change what the filler answers
        assert until is not None or key not in conv.expect or key in conv.may_ask, \
            f"{where}: asked {key} again, which the script already answered:\n{said}"
        assert key not in asked, f"{where}: asked {key} twice:\n{said}"
        asked.add(key)
        if answer.stores and key not in conv.expect:
            filled[key] = _subst(answer.value, id_number)
        # a confirm-or-change prompt (a roster value) is confirmed: the roster holds the fill value
        _say(chat, "是" if last.kind == "confirm" else _subst(answer.say, id_number), "fill")
        assert chat.last.kind != "error", f"{where}: the fill answer to {key} was refused:\n{_shown(chat.replies)}"
    raise AssertionError("did not reach the read-back after 80 filled answers")


def _say(chat: Chat, text: str, who: str) -> None:
    """Say a message; the transcript is printed (pytest shows it when the conversation fails)."""
    chat.say(text)
    print(f"-- {who}: {text}\n{_shown(chat.replies)}")


def _subst(value: Any, id_number: str) -> Any:
    """``{id}`` in a fill answer is the conversation's ID number (a certificate number starts with it)."""
    return value.replace("{id}", id_number) if isinstance(value, str) else value


def _stored(runtime: Runtime) -> tuple[dict[str, Any], dict[str, str | None], list[tuple[str, str]]]:
    """The current answers of the conversation's one record: values, raw texts, and its flags."""
    with runtime.store_scope() as store:
        records = [r for r in store.session.exec(select(Record)).all()
                   if store.session.exec(select(Answer).where(Answer.record_id == r.id)).first() is not None]
        assert len(records) == 1, f"expected one record with answers, found {len(records)}"
        rid = records[0].id or 0
        current = store.records.current_answers(rid)
        flags = sorted((fl.question_key, fl.reason) for fl in store.session.exec(
            select(Flag).where(Flag.record_id == rid)).all())
        return {k: a.value for k, a in current.items()}, {k: a.raw for k, a in current.items()}, flags


@pytest.mark.parametrize(("corpus_file", "conv"), list(_cases()))
def test_conversation(corpus_file: CorpusFile, conv: Conversation, runtime: Runtime, tmp_path: Path) -> None:
    q = runtime.questionnaires[corpus_file.questionnaire]
    village = q.subject.kind == "village"
    chat = Chat(runtime, q.name, user=f"corpus-{conv.id}", staff=ANY_COLLECTOR if village else None)
    id_number = "" if village else make_id(**(conv.id_number or IdParts()).model_dump())
    expected: dict[str, Any] = {k: _subst(v, id_number) for k, v in conv.expect.items()}
    if village:
        assert conv.village, f"{conv.id}: a village form needs the village"
        _load_villages(runtime, tmp_path)
    else:
        expected.setdefault("id_number", id_number)
        if conv.roster is not None:
            _put_on_roster(runtime, q, id_number, conv.roster, tmp_path)
    chat.start()
    assert chat.last.kind == "notice", _shown(chat.replies)
    chat.say("同意")
    if village:
        chat.say(conv.village or "")
    else:
        chat.identify(id_number, conv.roster.phone if conv.roster else None)
    assert chat.last.kind != "error", f"identification refused:\n{_shown(chat.replies)}"

    filled: dict[str, Any] = {}
    asked: set[str] = set()
    for n, turn in enumerate(conv.turns, 1):
        if turn.at is not None:
            _fill(corpus_file, conv, chat, id_number, filled, asked, until=turn.at)
        where = f"before turn {n} ({turn.say!r})" if turn.say is not None else f"before turn {n} (reload)"
        _check_bot(where, chat, turn.asks, turn.kind, turn.shows, turn.shows_re, turn.hides, turn.min_choices)
        if turn.reload:
            chat.reopen()
            print(f"-- reload\n{_shown(chat.replies)}")
        else:
            _say(chat, _subst(turn.say or "", id_number), f"turn {n}")

    _fill(corpus_file, conv, chat, id_number, filled, asked)
    _check_bot("at the end", chat, None, conv.end, conv.end_shows, [], [], conv.end_min_choices)
    expected.update(filled)

    values, raws, flags = _stored(runtime)
    for key in conv.absent:
        assert key not in values, f"{key} must stay unanswered, stored {values[key]!r} from {raws[key]!r}"
    extra = {k: (values[k], raws[k]) for k in set(values) - set(expected)}
    assert not extra, f"stored under questions the script did not answer (value, raw): {extra}"
    missing = set(expected) - set(values)
    assert not missing, f"not stored: {sorted(missing)}"
    for key, want in expected.items():
        if want == ANY:
            continue
        got = values[key]
        if q.by_key[key].type == QType.MULTI and isinstance(got, list) and isinstance(want, list):
            got, want = sorted(got), sorted(want)  # the codes picked, in whatever order they were said
        assert got == want, f"{key}: stored {values[key]!r} from {raws[key]!r}, expected {want!r}"
    if conv.flags is not None:
        assert flags == sorted(conv.flags), f"flags: {flags}, expected {sorted(conv.flags)}"

    if conv.submit:
        chat.say("确认提交")
        assert chat.last.kind == "receipt", _shown(chat.replies)
        assert _stored(runtime)[0] == values  # submitting changes no answer

