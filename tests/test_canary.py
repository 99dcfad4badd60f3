"""Acceptance (issue 10, data at rest): distinctive personal data goes in through every channel, is found nowhere.

Distinctive names, ID numbers, phone numbers, employers and appeal texts are given through the web
chat, the WeChat webhook (wechatpy's real protocol, safe mode), the Telegram webhook (the real
python-telegram-bot), the collector's console and a hotline call, on top of the demo; a spoken phone
number waits in a read-back. Then the SQLite file and its WAL (checkpoints off, read while open) or
a ``pg_dump``, every log record of every logger at DEBUG (SQL statements and parameters included),
and every export and masked list a reviewer makes are scanned for each value, in UTF-8, JSON's
``\\uXXXX`` escapes, GBK and hex (bytea). Nothing may be there, except where it is meant to be.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import select

from admin.app import create_app
from admin.demo import DEMO_PASSWORD, seed_demo
from admin.runtime import Runtime, build_runtime
from admin.web.security import create_staff
from bot.questionnaire import Questionnaire
from nlu.tokenizer import Tokenizer
from storage.crypto import mask_id_number
from storage.models import Appeal, Person
from storage.staff_repo import StaffStore
from tests.bot.telegram_fake import FakeTelegram
from tests.bot.test_engine_voice_seam import ScriptedTranscriber
from tests.bot.test_telegram import SECRET as TG_SECRET
from tests.bot.test_telegram import TOKEN as TG_TOKEN
from tests.bot.test_telegram import Person as TelegramPerson
from tests.bot.test_wechat import AES_KEY, APPID, TOKEN, WeChatServer
from tests.bot.test_wechat import SECRET as WX_SECRET
from tests.bot.test_wechat import Person as WeChatPerson
from tests.bot.wechat_fake import FakeWeChat
from tests.conftest import make_settings, shared_path
from tests.helpers import default_answer, make_id
from tests.server import serve

VILLAGE = "中咀岭乡大山村"  # in 积石山县, a county the demo leaves alone
VILLAGE_PATH = "甘肃省/临夏回族自治州/积石山保安族东乡族撒拉族自治县/中咀岭乡/大山村"
HUKOU = "东乡族自治县东塬乡东塬村"


@dataclass(frozen=True)
class Canary:
    """One person's distinctive values, given through one channel."""

    channel: str
    id_number: str
    name: str
    phone: str
    appeal: str
    employer: str = ""

    @property
    def birth(self) -> str:
        return f"{self.id_number[6:10]}-{self.id_number[10:12]}-{self.id_number[12:14]}"

    def answers(self) -> dict[str, str]:
        b = self.birth
        return {"name": self.name, "phone": self.phone, "appeals": self.appeal, "other_needs": self.appeal,
                "birth_date": f"{b[:4]}年{int(b[5:7])}月{int(b[8:])}日", "gender": "男", "hukou": HUKOU,
                "recipient_kind": "退役士兵", "employment": "企业", "employer": self.employer,
                "service_unit": "青鸾某部七连", "service_number": "QL7041720", "photo": "跳过",
                "certificate_number": self.id_number + "42", "disability_category": "肢体残疾",
                "disability_level": "二级"}


WEB = Canary("web", make_id("622926", "19630417", "011"), "司马青鸾", "13907310417",
             "暗号青鸾甲：家里房顶漏雨请帮忙修缮")
WECHAT = Canary("wechat", make_id("622926", "19580923", "031"), "上官紫鹃", "13807320923",
                "暗号紫鹃乙：老伴住院费用报销太慢", "白鹭洲青鸾机械厂")
TELEGRAM = Canary("telegram", make_id("622926", "19610205", "051"), "诸葛明轩", "13707330205",
                  "暗号明轩丙：希望给孙子申请助学金", "青石岭明轩砖瓦厂")
COLLECTOR = Canary("visit", make_id("622926", "19550711", "071"), "慕容晓峰", "13607340711",
                   "暗号晓峰丁：腿脚不便需要一副拐杖", "慕容氏晓峰农机站")
VOICE = Canary("wechat-voice", make_id("622926", "19600808", "091"), "欧阳雪松", "13507350808", "")
HOTLINE = "暗号热线戊：反映低保被错误取消，身份证号" + make_id("622926", "19500101", "111")
RESPONDENT = ("东方海棠", "13407360101", "暗号海棠己：村里缺少康复器材")
SPOKEN = "一三五零七三五零八零八"  # the spoken phone number waiting in a read-back
CANARIES = (WEB, WECHAT, TELEGRAM, COLLECTOR, VOICE)


# -- driving a questionnaire by what the replies ask -----------------------------------------------


def _asked(q: Questionnaire, text: str) -> str | None:
    """The question whose prompt comes last in a turn's text."""
    best, at = None, -1
    for question in q.questions:
        i = text.rfind(question.prompt)
        if i > at:
            best, at = question.key, i
    return best


def fill(say: Callable[[str], str], text: str, q: Questionnaire, answers: dict[str, str],
         stop: str | None = None) -> str:
    """Answer what each turn asks (the canary's values, else a default) up to the receipt, or question ``stop``."""
    for _ in range(160):
        if "提交成功" in text:
            return text
        key = _asked(q, text)
        if stop is not None and key == stop:
            return text
        if "请核对您填写的信息" in text and "确认提交" in text[-120:]:
            text = say("确认提交")
        elif "现在还是这样吗" in text[-60:]:
            text = say("是")
        elif key is not None:
            text = say(answers.get(key) or default_answer(q, key))
        else:
            raise AssertionError(f"no question found in {text!r}")
    raise AssertionError("the questionnaire did not end")


# -- every logger at DEBUG --------------------------------------------------------------------------


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs() -> Iterator[Callable[[], str]]:
    """Every record of every logger, from DEBUG up, formatted (with tracebacks)."""
    keep = _Keep()
    saved: list[tuple[logging.Logger, int, bool]] = []

    def hook_all() -> None:
        for logger in [logging.getLogger(), *(v for v in logging.root.manager.loggerDict.values()
                                             if isinstance(v, logging.Logger))]:
            if keep not in logger.handlers:
                saved.append((logger, logger.level, logger.propagate))
                logger.setLevel(logging.DEBUG)
                logger.propagate = False
                logger.addHandler(keep)

    def text() -> str:
        hook_all()  # loggers made since (the server's) are listened to from now on
        return "\n".join(keep.lines)

    hook_all()
    yield text
    for logger, level, propagate in saved:
        logger.removeHandler(keep)
        logger.setLevel(level)
        logger.propagate = propagate


# -- the run --------------------------------------------------------------------------------------


def _staff_login(http: httpx.Client, username: str, password: str) -> dict[str, str]:
    r = http.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _web(base: str, rt: Runtime, name: str, canary_or_village: Canary | None) -> None:
    q = rt.questionnaires[name]
    with httpx.Client(base_url=base, timeout=60) as http:
        def say(text: str) -> str:
            r = http.post(f"/chat/{name}/messages", json={"text": text})
            assert r.status_code == 200, r.text
            return "\n".join(str(x["text"]) for x in r.json()["replies"])

        if canary_or_village is None:  # a village's form: its collector, logged in to the console
            _staff_login(http, "canary.collector", DEMO_PASSWORD)
        http.get(f"/chat/{name}/resume")
        say("同意")
        if canary_or_village is None:
            text = say(VILLAGE)
            answers = {"respondent_name": RESPONDENT[0], "respondent_phone": RESPONDENT[1],
                       "difficulties": RESPONDENT[2]}
        else:
            text = say(canary_or_village.id_number)
            answers = canary_or_village.answers()
        fill(say, text, q, answers)


def _channels(base: str, rt: Runtime, tg: FakeTelegram, wx_fake: FakeWeChat) -> None:
    """The canaries through the web chat, WeChat, Telegram, the collector's console and the hotline."""
    vets = rt.questionnaires["veterans"]
    _web(base, rt, "disabled_update", WEB)
    _web(base, rt, "village_services", None)
    with httpx.Client(base_url=base, timeout=60) as http:
        wx = WeChatPerson(http, WeChatServer(aes_key=AES_KEY), rt, user="oCanaryWeChatUser0000000001")
        wx.event("subscribe")
        wx.say("同意")
        fill(wx.say, wx.say(WECHAT.id_number), vets, WECHAT.answers())
        spoken = WeChatPerson(http, WeChatServer(aes_key=AES_KEY), rt, user="oCanaryWeChatVoice000000002")
        spoken.event("subscribe")
        spoken.say("同意")
        fill(spoken.say, spoken.say(VOICE.id_number), vets, VOICE.answers(), stop="phone")
        wx_fake.media["voice-canary"] = (f"{SPOKEN}|0.3".encode(), "audio/amr")
        heard = spoken.send("voice", MediaId="voice-canary", Format="amr")
        assert heard is not None and "对吗" in heard  # a read-back now waits in the dialogue state

        person = TelegramPerson(base, tg, rt)
        try:
            person.command("/start")
            person.say("同意")

            def tg_say(text: str) -> str:
                return "\n".join(str(m["text"]) for m in person.say(text))

            fill(tg_say, tg_say(TELEGRAM.id_number), vets, TELEGRAM.answers())
        finally:
            person.close()

        collector = _staff_login(http, "demo.village", DEMO_PASSWORD)
        opened = http.post("/api/interviews", json={"questionnaire": "veterans", "mode": "visit", "consent": True,
                                                    "id_number": COLLECTOR.id_number}, headers=collector)
        assert opened.status_code == 201, opened.text
        iid = opened.json()["id"]

        def collect(text: str) -> str:
            r = http.post(f"/api/interviews/{iid}/answer", json={"text": text}, headers=collector)
            assert r.status_code == 200, r.text
            said = "\n".join(str(x["text"]) for x in r.json()["replies"])
            if "签字确认" in said:  # 签字确认: the collector records why there is none (with a note), then submits
                record_id = r.json()["record_id"]
                none = http.post(f"/api/records/{record_id}/signature/none", headers=collector,
                                 json={"reason": "cannot_write", "note": COLLECTOR.appeal})
                assert none.status_code == 201, none.text
                return collect("确认提交")
            return said

        fill(collect, "\n".join(str(x["text"]) for x in opened.json()["replies"]), vets, COLLECTOR.answers())
        hotline = _staff_login(http, "demo.hotline", DEMO_PASSWORD)
        call = http.post("/api/appeals", json={"text": HOTLINE, "id_number": WEB.id_number}, headers=hotline)
        assert call.status_code == 201, call.text


def _reviewer_views(base: str) -> dict[str, bytes]:
    """Every export (CSV, XLSX unzipped) and masked list a province and a township reviewer make."""
    out: dict[str, bytes] = {}
    with httpx.Client(base_url=base, timeout=120) as http:
        for who in ("canary.reviewer", "demo.township"):
            h = _staff_login(http, who, DEMO_PASSWORD)
            for campaign in ("veterans-2026", "disabled_update-2026", "village_services-2026"):
                csv = http.get(f"/api/exports/{campaign}.csv", headers=h)
                assert csv.status_code == 200, csv.text
                out[f"{who} {campaign}.csv"] = csv.content
                xlsx = http.get(f"/api/exports/{campaign}.xlsx", headers=h)
                assert xlsx.status_code == 200, xlsx.text
                with zipfile.ZipFile(io.BytesIO(xlsx.content)) as z:
                    out[f"{who} {campaign}.xlsx"] = b"\n".join(z.read(n) for n in z.namelist())
            records = http.get("/api/records", params={"limit": 200}, headers=h).json()
            out[f"{who} records"] = json.dumps(records, ensure_ascii=False).encode()
            for item in records["items"]:
                detail = http.get(f"/api/records/{item['id']}", headers=h)
                out[f"{who} record {item['id']}"] = detail.content.decode().encode()
            out[f"{who} review"] = http.get("/api/review", headers=h).content
    shown = b"".join(v for k, v in out.items() if k.startswith("canary.reviewer"))
    for c in (WEB, WECHAT, TELEGRAM, COLLECTOR):  # the canaries' records are there, masked
        assert mask_id_number(c.id_number).encode() in shown, c.channel
    return out


# -- what must not be found -----------------------------------------------------------------------


def _forms(value: str) -> list[bytes]:
    """A value as it could sit in a file: UTF-8, JSON escapes, GBK, hex of UTF-8 (PostgreSQL's bytea)."""
    forms = {value.encode(), json.dumps(value)[1:-1].encode(), value.encode().hex().encode()}
    with contextlib.suppress(UnicodeEncodeError):
        forms.add(value.encode("gbk"))
    return sorted(forms)


def _secrets(rt: Runtime, regions_text: str) -> dict[str, str]:
    """Every value that must not appear: the canaries, and every person's name, ID number, phone and birth date."""
    found: dict[str, str] = {}
    for c in CANARIES:
        found.update({f"{c.channel} name": c.name, f"{c.channel} id": c.id_number, f"{c.channel} phone": c.phone,
                      f"{c.channel} birth": c.birth, f"{c.channel} birth digits": c.id_number[6:14]})
        if c.appeal:
            found[f"{c.channel} appeal"] = c.appeal
        if c.employer:
            found[f"{c.channel} employer"] = c.employer
    found.update({"certificate": WEB.id_number + "42", "service unit": "青鸾某部七连", "service number": "QL7041720",
                  "hotline call": HOTLINE, "respondent": RESPONDENT[0], "respondent phone": RESPONDENT[1],
                  "difficulties": RESPONDENT[2], "spoken phone": SPOKEN})
    with rt.store_scope() as store:
        for p in store.session.exec(select(Person)).all():
            number = store.people.id_number(p)
            found[f"person {p.id} id"] = number
            found[f"person {p.id} birth"] = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
            name, phone = store.people.name(p), store.people.phone(p)
            if name and len(name) >= 2 and name not in regions_text:
                found[f"person {p.id} name"] = name
            if phone:
                found[f"person {p.id} phone"] = phone
        for a in store.session.exec(select(Appeal)).all():
            text = store.appeals.text(a)
            if len(text) >= 8:
                found[f"appeal {a.id}"] = text
    return found


def _leaks(where: str, data: bytes, secrets: dict[str, str]) -> list[str]:
    return [f"{what} ({value}) in {where}" for what, value in secrets.items()
            if any(form in data for form in _forms(value))]


def _stored_bytes(rt: Runtime, db_url: str) -> dict[str, bytes]:
    """The SQLite file, its WAL and shared memory read while open, or a pg_dump of the database."""
    if rt.db.dialect.name == "sqlite":
        path = Path(make_url(db_url).database or "")
        return {p.name: p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()}
    url = make_url(db_url).set(drivername="postgresql")
    dump = subprocess.run(["pg_dump", "--no-owner", url.render_as_string(hide_password=False)],
                          capture_output=True, check=True, timeout=300)
    return {"pg_dump": dump.stdout}


def test_no_clear_value_anywhere_it_should_not_be(db_url: str, tokenizer: Tokenizer, tmp_path: Path,
                                                  logs: Callable[[], str]) -> None:
    regions = shared_path("data", "regions", "gansu.tsv")
    tg = FakeTelegram(TG_TOKEN)
    wx_fake = FakeWeChat(APPID, WX_SECRET)
    with serve(wx_fake.app) as wx_url, serve(tg.app) as tg_url:
        settings = make_settings(db_url, wechat_token=TOKEN, wechat_appid=APPID, wechat_secret=WX_SECRET,
                                 wechat_aes_key=AES_KEY, wechat_api_base=wx_url, telegram_token=TG_TOKEN,
                                 telegram_secret=TG_SECRET, telegram_api_base=tg_url + "/bot")
        rt = build_runtime(settings, tokenizer=tokenizer)
        if rt.db.dialect.name == "sqlite":  # no checkpoints: every page written stays in the WAL
            rt.db.dispose()
            event.listen(rt.db, "connect", lambda conn, _: conn.execute("PRAGMA wal_autocheckpoint=0"))
        rt.engine.transcriber = ScriptedTranscriber()
        try:
            seed_demo(rt, regions, people=40, seed=11)
            with rt.store_scope() as store:
                create_staff(StaffStore(store.session), "canary.reviewer", "省级审核员", DEMO_PASSWORD, "reviewer",
                             "甘肃省")
                create_staff(StaffStore(store.session), "canary.collector", "大山村采集员", DEMO_PASSWORD, "collector",
                             VILLAGE_PATH)
            with serve(create_app(runtime=rt)) as base:
                logs()  # the server's loggers exist now: listen to them too
                _channels(base, rt, tg, wx_fake)
                views = _reviewer_views(base)
            secrets = _secrets(rt, regions.read_text(encoding="utf-8"))
            assert len(secrets) > 150
            stored = _stored_bytes(rt, db_url)
        finally:
            rt.close()
    found = [leak for name, data in stored.items() for leak in _leaks(name, data, secrets)]
    every_log = logs()
    # the scans read real data: clear values that are meant to be clear are found
    assert any("大山村".encode() in data for data in stored.values()) and "INSERT INTO answer" in every_log
    assert "canary.reviewer" in every_log
    found += _leaks("the logs", every_log.encode(), secrets)
    for name, data in views.items():
        found += _leaks(name, data, secrets)
        for what, value in secrets.items():  # no ID number's start or end either (masks keep 6 and 4)
            if " id" in what and (value[:8].encode() in data or value[-8:].encode() in data):
                found.append(f"a part of {what} ({value}) in {name}")
        text = data.decode("utf-8", "replace")
        found += [f"a long number {m} in {name}" for m in re.findall(r"(?<![0-9])[0-9]{15,}[0-9Xx]?", text)]
        found += [f"a mobile number {m} in {name}" for m in re.findall(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", text)]
    assert not found, f"{len(found)} clear values found:\n" + "\n".join(sorted(set(found))[:80])
