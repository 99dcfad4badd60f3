"""Self-service identification: what a stranger who knows what is printed on an ID card can and cannot do.

An ID number (and the name beside it) opens nothing that exists: a registered person gets in with a
one-time code sent to their registered phone, a collector's link code, or an account already linked
to them. Guesses are limited per person and per client, with growing pauses and a block the hotline
lifts; every attempt is audited; without a factor a person may only start a declaration.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from admin.imports.roster import import_roster
from admin.runtime import Runtime
from bot.dialogue import campaign_of
from bot.dialogue.identify import OTP_MAX_TRIES, SMS_PER_HOUR
from bot.throttle import ThrottlePolicy, person_key
from storage.identity import ChallengeKind, Declaration, IdentityChallenge, IdentityStore, SmsOutbox
from storage.models import Answer, ChannelAccount, Person, Record
from storage.staff import AuditEntry
from tests.conftest import Chat
from tests.helpers import RecordingSms, make_id

ID = make_id("622926", "19650312", "001")
PHONE = "13912345678"
NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
POLICY = ThrottlePolicy()


def _roster(runtime: Runtime, tmp_path: Path, questionnaire: str = "veterans", phone: str | None = PHONE) -> None:
    """The person on the campaign's roster, with their name and (when given) a phone."""
    path = tmp_path / "roster.csv"
    path.write_text(f"身份证号,姓名,联系电话\n{ID},马福贵,{phone or ''}\n", encoding="utf-8")
    q = runtime.questionnaires[questionnaire]
    with runtime.store_scope() as store:
        report = import_roster(store, campaign_of(store, q, 2026), q, path, None, date(2026, 7, 1))
        assert report.rejected == []


def _stranger(runtime: Runtime, user: str = "stranger", questionnaire: str = "veterans", at: datetime = NOW,
              channel: str = "web") -> Chat:
    chat = Chat(runtime, questionnaire, user=user, channel=channel, now=at)
    chat.start()
    chat.say("同意")
    return chat


def _records(runtime: Runtime) -> list[Record]:
    with runtime.store_scope() as store:
        return list(store.session.exec(select(Record).order_by(Record.id)).all())  # type: ignore[arg-type]


def _audits(runtime: Runtime, result: str | None = None) -> list[AuditEntry]:
    with runtime.store_scope() as store:
        query = select(AuditEntry).where(AuditEntry.action == "identify")
        if result is not None:
            query = query.where(AuditEntry.result == result)
        return list(store.session.exec(query).all())


def _wrong(sms: RecordingSms) -> str:
    right = sms.last_code() if sms.sent else ""
    return "000000" if right != "000000" else "111111"


def test_id_number_and_name_open_nothing(runtime: Runtime, sms: RecordingSms, tmp_path: Path) -> None:
    _roster(runtime, tmp_path, "disabled_update")
    chat = _stranger(runtime, questionnaire="disabled_update")
    chat.say(ID)
    assert "验证码" in chat.texts() and sms.sent[-1][0] == PHONE  # the code goes to the roster phone
    chat.say("马福贵")  # what is printed beside the ID number is not a factor
    assert "6位数字验证码" in chat.texts() and "马福贵" not in chat.texts()
    chat.say("新登记")  # the way on without the phone: a declaration that shows nothing
    shown = chat.texts()
    assert "重新填写" in shown and "马福贵" not in shown and "上次登记" not in shown
    records = _records(runtime)
    assert len(records) == 1 and records[0].person_id is None and records[0].subject_key.startswith("declared:")
    with runtime.store_scope() as store:
        declaration = store.session.exec(select(Declaration)).one()
        person = store.session.exec(select(Person)).one()
        assert declaration.person_id == person.id and declaration.source == "self"
        assert store.records.flags(records[0].id or 0)[0].reason == "unverified"
        account = store.session.exec(select(ChannelAccount).where(ChannelAccount.channel_user_id == "stranger")).one()
        assert account.person_id is None  # never linked to the person


def test_a_registered_person_without_a_phone_gets_a_declaration_like_a_new_one(
    runtime: Runtime, tmp_path: Path
) -> None:
    _roster(runtime, tmp_path, phone=None)
    chat = _stranger(runtime)
    chat.say(ID)
    assert "身份核对完成" in chat.texts() and chat.asking == "recipient_kind"
    chat.say("退役士兵")
    assert chat.asking == "name" and chat.last.kind == "question"  # the roster name is not offered
    assert "马福贵" not in chat.texts()
    assert _records(runtime)[0].person_id is None


def test_the_right_code_opens_the_record_and_links_the_account(
    runtime: Runtime, sms: RecordingSms, tmp_path: Path
) -> None:
    _roster(runtime, tmp_path)
    chat = _stranger(runtime, user="owner")
    chat.say(ID)
    chat.say(f"验证码是{sms.last_code(PHONE)}")
    assert "核对通过" in chat.texts()
    chat.say("退役士兵")
    assert chat.last.kind == "confirm" and "马福贵" in chat.last.text  # now the roster name is shown
    again = Chat(runtime, "veterans", user="owner", now=NOW)
    again.say("继续")
    assert chat.asking == "name" and "验证码" not in again.texts()  # a linked account needs no code
    with runtime.store_scope() as store:
        assert store.session.exec(select(SmsOutbox)).one().code_enc is None  # the code is forgotten once sent
    assert {a.result for a in _audits(runtime)} >= {"challenged", "ok"}
    assert all(ID not in a.detail and "马福贵" not in a.detail for a in _audits(runtime))


def test_sequential_guessing_stops_at_the_limit_and_retyping_the_id_does_not_reset_it(
    runtime: Runtime, sms: RecordingSms, tmp_path: Path
) -> None:
    _roster(runtime, tmp_path)
    at, checked, users = NOW, 0, iter(f"browser-{i}" for i in range(100))
    chat = _stranger(runtime, user=next(users), at=at)
    chat.say(ID)
    for _ in range(60):
        right = sms.last_code(PHONE)
        chat.say(_wrong(sms))
        if any(said in chat.texts() for said in ("验证码不对", "已失效", "分钟后再试")):
            checked += 1
        elif "已暂停" in chat.texts():
            break
        at += timedelta(hours=2)  # wait every pause out; each new browser types the ID number again
        chat = _stranger(runtime, user=next(users), at=at)
        chat.say(ID)
    assert checked == POLICY.person_block_after - 1
    assert len(_audits(runtime, "failed")) == POLICY.person_block_after
    chat.say(right)
    chat.say(sms.last_code(PHONE))  # even the right code is refused while blocked
    assert "已暂停" in chat.texts() and "核对通过" not in chat.texts()
    with runtime.store_scope() as store:
        assert IdentityStore(store).blocked_person_ids() == [store.session.exec(select(Person)).one().id]


def test_pauses_grow_and_a_success_starts_the_count_again(runtime: Runtime, sms: RecordingSms, tmp_path: Path) -> None:
    _roster(runtime, tmp_path)
    chat = _stranger(runtime, user="owner")
    chat.say(ID)
    for _ in range(POLICY.free_failures):
        chat.say(_wrong(sms))
    assert "1分钟后再试" in chat.texts()
    chat.say(sms.last_code(PHONE))  # inside the pause the right code is not even checked
    assert "分钟后再试" in chat.texts() and "核对通过" not in chat.texts()
    chat.now = NOW + timedelta(minutes=2)
    chat.say(_wrong(sms))
    assert "2分钟后再试" in chat.texts()  # the next failure pauses twice as long
    chat.now = NOW + timedelta(minutes=5)
    chat.say(sms.last_code(PHONE))
    assert "核对通过" in chat.texts()
    with runtime.store_scope() as store:
        person = store.session.exec(select(Person)).one()
        row = IdentityStore(store).peek_throttle(person_key(person.id or 0))
        assert row is not None and (row.failures, row.blocked) == (0, False)


def test_a_code_is_void_after_five_wrong_tries_and_valid_for_its_account_only(
    runtime: Runtime, sms: RecordingSms, tmp_path: Path
) -> None:
    _roster(runtime, tmp_path)
    owner = _stranger(runtime, user="owner")
    owner.say(ID)
    code = sms.last_code(PHONE)
    thief = _stranger(runtime, user="thief", at=NOW + timedelta(minutes=2))
    thief.say(ID)
    assert len(sms.sent) == 2
    thief.say(code)  # the owner's code, seen over their shoulder and typed in another browser
    assert "验证码不对" in thief.texts()
    owner.now = NOW + timedelta(minutes=3)
    with runtime.store_scope() as store:  # four wrong tries already on the owner's code
        first = store.session.exec(select(IdentityChallenge).where(IdentityChallenge.channel_user_id == "owner")).one()
        first.attempts = OTP_MAX_TRIES - 1
        store.session.add(first)
    owner.say("000000" if code != "000000" else "111111")
    assert "已失效" in owner.texts()  # the fifth wrong try voids the code
    owner.say(code)
    assert "核对通过" not in owner.texts() and "已过期或已失效" in owner.texts()


def test_another_accounts_request_does_not_void_the_owners_code(
    runtime: Runtime, sms: RecordingSms, tmp_path: Path
) -> None:
    _roster(runtime, tmp_path)
    owner = _stranger(runtime, user="owner")
    owner.say(ID)
    code = sms.last_code(PHONE)
    for i in range(3):
        _stranger(runtime, user=f"pest-{i}", at=NOW + timedelta(minutes=1)).say(ID)
    owner.now = NOW + timedelta(minutes=2)
    owner.say(code)
    assert "核对通过" in owner.texts()


def test_expired_codes_and_resending_limits(runtime: Runtime, sms: RecordingSms, tmp_path: Path) -> None:
    _roster(runtime, tmp_path)
    chat = _stranger(runtime, user="owner")
    chat.say(ID)
    chat.say("重新发送")
    assert "稍等一分钟" in chat.texts() and len(sms.sent) == 1
    first = sms.last_code(PHONE)
    for minute in range(1, SMS_PER_HOUR + 2):
        chat.now = NOW + timedelta(minutes=minute * 2)
        chat.say("没收到")
    assert len(sms.sent) == SMS_PER_HOUR and "一小时后再试" in chat.texts()
    chat.say(first)  # an earlier code stops working when a new one is sent
    assert "核对通过" not in chat.texts()
    chat.now = NOW + timedelta(minutes=11 + 2 * SMS_PER_HOUR)
    chat.say(sms.last_code(PHONE))  # the last code, too late
    assert "已过期" in chat.texts()
    chat.now += timedelta(hours=1)
    chat.say("重新发送")
    chat.say(sms.last_code(PHONE))
    assert "核对通过" in chat.texts()


def test_one_client_trying_many_people_is_paused_too(runtime: Runtime, sms: RecordingSms, tmp_path: Path) -> None:
    people = [make_id("622926", "19650312", f"{i:03d}") for i in range(2, 9)]
    path = tmp_path / "roster.csv"
    path.write_text("身份证号,姓名,联系电话\n" + "".join(f"{n},某人,1391234{i:04d}\n" for i, n in enumerate(people)),
                    encoding="utf-8")
    q = runtime.questionnaires["veterans"]
    with runtime.store_scope() as store:
        import_roster(store, campaign_of(store, q, 2026), q, path, None, date(2026, 7, 1))
    at = NOW
    for n, id_number in enumerate(people):
        chat = Chat(runtime, "veterans", user=f"cookie-{n}", now=at, client="203.0.113.7")  # a fresh cookie...
        chat.start()
        chat.say("同意")
        chat.say(id_number)
        chat.say(_wrong(sms))
        at += timedelta(minutes=1)
    assert "分钟后再试" in chat.texts()  # ...but one address: its failures add up across people


def test_a_collectors_link_code_links_the_account(runtime: Runtime, sms: RecordingSms, tmp_path: Path) -> None:
    _roster(runtime, tmp_path)
    with runtime.store_scope() as store:
        person = store.session.exec(select(Person)).one()
        IdentityStore(store).add_challenge(person.id or 0, ChallengeKind.LINK, "48392017", NOW + timedelta(minutes=15),
                                           staff_id=1, now=NOW)
    chat = _stranger(runtime, user="wx-openid", channel="wechat")
    chat.say("绑定 12345678")
    assert "绑定码不对" in chat.texts()
    chat.say("绑定 48392017")
    assert "核对通过" in chat.texts() and not sms.sent
    chat.say("退役士兵")
    assert "马福贵" in chat.last.text
    chat.say("绑定 48392017")  # used: it links nobody else
    other = _stranger(runtime, user="someone-else", channel="wechat")
    other.say("绑定48392017")
    assert "绑定码不对" in other.texts()


def test_concurrent_guesses_are_counted_one_after_another(runtime: Runtime, sms: RecordingSms, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bot.messages import Incoming

    _roster(runtime, tmp_path)
    chats = [_stranger(runtime, user=f"b{i}") for i in range(12)]
    for chat in chats:
        chat.say(ID)
    codes = [sms.sent[i][1] for i in range(len(sms.sent))]

    def guess(i: int) -> str:
        wrong = "000000" if codes[-1] != "000000" else "111111"
        msg = Incoming(channel="web", user_id=f"b{i}", text=wrong, at=NOW, message_id=f"g{i}", questionnaire="veterans")
        return "\n".join(r.text for r in runtime.chat.handle(msg))

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(guess, range(12)))
    checked = sum("验证码不对" in a or ("分钟后再试" in a and "次数较多" in a) for a in answers)
    assert len(_audits(runtime, "failed")) == POLICY.free_failures  # a burst checks only the free tries
    assert checked >= POLICY.free_failures
    with runtime.store_scope() as store:
        person = store.session.exec(select(Person)).one()
        row = IdentityStore(store).peek_throttle(person_key(person.id or 0))
        assert row is not None and row.failures == POLICY.free_failures


def test_a_chat_answer_does_not_move_the_roster_phone(runtime: Runtime, sms: RecordingSms, tmp_path: Path) -> None:
    _roster(runtime, tmp_path)
    chat = _stranger(runtime, user="owner")
    chat.identify(ID, PHONE)
    for answer in ("退役士兵", "是", "男", "回族", "1965年3月12日"):
        chat.say(answer)
    assert chat.asking == "phone"
    chat.say("不是")
    chat.say("13800001111")
    with runtime.store_scope() as store:
        person = store.session.exec(select(Person)).one()
        assert store.people.phone(person) == PHONE  # codes still go to the phone on the roster
        phone = store.session.exec(select(Answer).where(Answer.question_key == "phone")).all()[-1]
        assert store.records.current_answers(phone.record_id)["phone"].value == "13800001111"


@pytest.mark.parametrize("user", ["anonymous", "collector-elsewhere"])
def test_the_right_code_is_never_revealed_in_replies_or_state(runtime: Runtime, sms: RecordingSms, tmp_path: Path,
                                                               user: str) -> None:
    _roster(runtime, tmp_path)
    chat = _stranger(runtime, user=user)
    chat.say(ID)
    code = sms.last_code(PHONE)
    assert code not in chat.texts() and PHONE[-4:] not in chat.texts()
    with runtime.store_scope() as store:
        conv = store.conversations.find("web", user)
        assert conv is not None and code not in conv.state_json and PHONE not in conv.state_json


def test_a_refused_sms_is_kept_and_resending_works(runtime: Runtime, sms: RecordingSms, tmp_path: Path) -> None:
    from bot.sms import SmsError

    _roster(runtime, tmp_path)
    refuse = {"on": True}
    keep = sms.send_code

    def flaky(phone: str, code: str, ttl_minutes: int) -> None:
        if refuse["on"]:
            raise SmsError("provider refused (test)")
        keep(phone, code, ttl_minutes)

    sms.send_code = flaky  # type: ignore[method-assign]
    chat = _stranger(runtime, user="owner")
    chat.say(ID)
    with runtime.store_scope() as store:
        row = store.session.exec(select(SmsOutbox)).one()
        assert row.sent_at is None and row.failures == 1 and row.code_enc is not None
    refuse["on"] = False
    chat.now = NOW + timedelta(minutes=2)
    chat.say("重新发送")
    chat.say(sms.last_code(PHONE))
    assert "核对通过" in chat.texts()


def test_the_web_chat_counts_failures_per_address_not_per_cookie(
    runtime: Runtime, sms: RecordingSms, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from admin.app import create_app

    people = [make_id("622926", "19650312", f"{i:03d}") for i in range(2, 7)]
    path = tmp_path / "roster.csv"
    path.write_text("身份证号,姓名,联系电话\n" + "".join(f"{n},某人,1391234{i:04d}\n" for i, n in enumerate(people)),
                    encoding="utf-8")
    q = runtime.questionnaires["veterans"]
    with runtime.store_scope() as store:
        import_roster(store, campaign_of(store, q, 2026), q, path, None, date(2026, 7, 1))
    app = create_app(runtime=runtime)
    said = ""
    for id_number in people:
        with TestClient(app) as browser:  # a new cookie for every person tried, one address
            browser.get("/chat/veterans/resume")
            for text in ("同意", id_number, "000000" if not sms.sent or sms.last_code() != "000000" else "111111"):
                r = browser.post("/chat/veterans/messages", json={"text": text})
                said = "\n".join(x["text"] for x in r.json()["replies"])
    assert "分钟后再试" in said


def test_asking_for_a_person_while_blocked_reaches_the_hotline_of_that_person(
    runtime: Runtime, sms: RecordingSms, tmp_path: Path
) -> None:
    from storage.models import Appeal

    _roster(runtime, tmp_path)
    chat = _stranger(runtime, user="owner")
    chat.say(ID)
    chat.say("转人工")
    assert "受理编号" in chat.texts()
    with runtime.store_scope() as store:
        appeal = store.session.exec(select(Appeal)).one()
        person = store.session.exec(select(Person)).one()
        assert appeal.person_id == person.id and appeal.record_id is None
        assert "身份核验" in store.appeals.text(appeal)


def test_two_id_numbers_in_one_message_open_nothing_until_one_is_said(
    runtime: Runtime, tmp_path: Path, sms: RecordingSms
) -> None:
    """我的是…，我老伴的是…: neither number is taken (no code sent, no try counted); the one said next is."""
    _roster(runtime, tmp_path)
    chat = _stranger(runtime)
    other = make_id("622926", "19680101", "002")
    chat.say(f"我的是{ID}，我老伴的是{other}")
    assert "两个" in chat.last.text
    assert sms.sent == [] and _audits(runtime) == []
    chat.say(f"{other}，不对，是{ID}")
    assert len(sms.sent) == 1 and sms.sent[0][0].endswith(PHONE[-4:]), chat.last.text
