"""Self-service identification: an ID number, then a second factor a stranger holding the ID card cannot know.

An ID number alone opens nothing that exists. A person already registered is let into their record
only by one of:

* a channel account already linked to them (linked when they created the person themselves, passed
  a code before, or entered a collector's link code);
* a one-time code sent by SMS to the phone registered for them (by the roster, a collector, or
  themselves when they registered), valid for the account that asked and for 10 minutes;
* a link code a collector handed them face to face ("绑定 12345678").

Without one they may fill a *declaration*: a new record that shows nothing of the existing one,
tied to the person for staff to compare (:meth:`storage.identity.IdentityStore.open_declaration`).
Failures are throttled (:mod:`bot.throttle`); every success and failure is audited. Villages are
filled only by a logged-in collector whose area covers the village.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.dialogue.state import Phase
from bot.messages import NEW_RECORD, Choice, Reply
from bot.throttle import Refusal, Throttle, person_key
from bot.values import encode
from nlu.result import NotUnderstood
from storage.identity import ChallengeKind, DeclarationSource, IdentityChallenge, IdentityStore, aware
from storage.models import Person

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn

OTP_DIGITS = 6
OTP_TTL = timedelta(minutes=10)
OTP_MAX_TRIES = 5  # wrong entries before a code is void
RESEND_AFTER = timedelta(seconds=60)
SMS_PER_HOUR = 5
MAX_ID_TRIES = 3

_LINK_RE = re.compile(r"^(?:绑定|绑定码|綁定)?[\s:：]*(\d{8})$")
_RESEND = frozenset({"重新发送", "重发", "再发一次", "再发一遍", "没收到", "没有收到", "收不到", "重新发", "再发"})
_DECLARE = frozenset({"新登记", "重新登记", "重新填写", "新填", "新建登记", "重新填", "不用验证码"})

OTP_CHOICES = (Choice("重新发送", "重新发送"), Choice("新登记", "新登记"), Choice("转人工", "转人工"))
_WAY_OUT = "也可以回复“新登记”重新填写一份，或回复“转人工”。"
VILLAGE_PROMPT = "请告诉我要登记的村（社区）名称，例如“东塬乡东塬村”。"
VILLAGE_STAFF_ONLY = "村（社区）情况表只能由本村（社区）的采集员登录工作台后填写。"


def _plain(text: str) -> str:
    return re.sub(r"[\s，,。.！!？?]", "", text)


@dataclass(frozen=True)
class _Sent:
    """What asking for a code gave: the prompt, or why no code was sent."""

    reply: Reply
    sent: bool


class Identification:
    """The identification steps of one turn of a conversation about a person."""

    def __init__(self, turn: Turn) -> None:
        self.t = turn
        self.ids = IdentityStore(turn.store)
        self.now: datetime = turn.now
        self.throttle = Throttle(self.ids, self.now)

    # -- keys and audit ----------------------------------------------------------------------

    @property
    def _client(self) -> str:
        msg = self.t.msg
        return f"{msg.channel}:{msg.client or msg.user_id}"

    def _keys(self, person_id: int | None) -> list[str]:
        keys = [self.throttle.client_key(self._client)]
        return keys + [person_key(person_id)] if person_id is not None else keys

    def _audit(self, person_id: int | None, result: str, method: str) -> None:
        self.t.store.staff.audit(
            "identify", target_type="person", target_id=person_id, result=result,
            detail=f"{self.t.msg.channel}: {method}")

    # -- the steps ---------------------------------------------------------------------------

    def start(self) -> list[Reply]:
        """Begin: a linked account goes straight to its record; anyone else is asked for the ID number."""
        acc = self.t.store.people.account(self.t.msg.channel, self.t.msg.user_id)
        if acc.person_id is not None:
            self._audit(acc.person_id, "ok", "linked account")
            return self.t.open_person_record(self.t.store.people.get(acc.person_id), raw=None)
        self.t.state.phase = Phase.IDENTIFY
        ident = self.t.q.identifier
        assert ident is not None
        return [Reply(ident.prompt, kind="question", question=ident.key)]

    def on_id(self) -> list[Reply]:
        """The ID number (or a collector's link code) given at the identification prompt."""
        t = self.t
        link = _LINK_RE.match(t.text.strip())
        if link is not None:
            return self._link(link.group(1))
        ident = t.q.identifier
        assert ident is not None
        parsed = t.u.parse(ident, t.text, self.now)
        if isinstance(parsed, NotUnderstood):
            t.state.id_tries += 1
            tries = t.state.id_tries
            tip = "如需帮助，请回复“转人工”。" if tries >= MAX_ID_TRIES else "请再输入一次18位身份证号码。"
            return [Reply(f"{parsed.message}{tip}", kind="error", question=ident.key)]
        number: str = encode(ident, parsed.value)
        person = t.store.people.find(number)
        if person is None:  # nobody has this number yet: it becomes theirs
            person = t.store.people.create(number, source="self")
            t.store.people.link_account(t.store.people.account(t.msg.channel, t.msg.user_id), person)
            self._audit(person.id, "ok", "new person")
            return t.open_person_record(person, raw=t.text)
        acc = t.store.people.account(t.msg.channel, t.msg.user_id)
        if acc.person_id == person.id:
            self._audit(person.id, "ok", "linked account")
            return t.open_person_record(person, raw=t.text)
        t.state.candidate, t.state.id_raw = person.id, t.text
        if t.store.people.phone(person) is None:  # no factor to check: a declaration, as for a new person
            self._audit(person.id, "declared", "no second factor registered")
            return self._declare(person, lead="")
        refused = self.throttle.refusal(self._keys(person.id))
        if refused is not None:
            t.state.phase = Phase.FACTOR
            self._audit(person.id, "denied", "locked")
            return [self._refusal_reply(refused)]
        t.state.phase = Phase.FACTOR
        return [self._send_code(person).reply]

    def on_factor(self) -> list[Reply]:
        """A reply at the code prompt: the code, a link code, “重新发送” or “新登记”."""
        t = self.t
        person = t.store.people.get(int(t.state.candidate or 0))
        said = _plain(t.text)
        if said in _DECLARE:
            self._audit(person.id, "declared", "chose a declaration")
            return self._declare(person, lead="好的，请重新填写一份登记，工作人员核实后会合并。")
        link = _LINK_RE.match(t.text.strip())
        if link is not None:
            return self._link(link.group(1))
        refused = self.throttle.refusal(self._keys(person.id))
        if refused is not None:
            self._audit(person.id, "denied", "locked")
            return [self._refusal_reply(refused)]
        if said in _RESEND:
            return [self._send_code(person, resend=True).reply]
        digits = re.sub(r"\D", "", t.digits(t.text))
        if len(digits) in (15, 17, 18):  # another ID number instead of the code: start again with it
            t.state.phase = Phase.IDENTIFY
            t.state.candidate = None
            return self.on_id()
        if len(digits) != OTP_DIGITS:
            return [Reply(f"请输入短信里的{OTP_DIGITS}位数字验证码。{_WAY_OUT}", OTP_CHOICES, kind="error")]
        challenge = self.ids.live_otp(person.id or 0, t.msg.channel, t.msg.user_id, self.now)
        if challenge is None:
            return [Reply("验证码已过期或已失效，请回复“重新发送”。", OTP_CHOICES, kind="error")]
        if secrets.compare_digest(challenge.code_index, self.ids.code_index(digits, ChallengeKind.OTP, person.id)):
            return self._passed(person, challenge, "sms code")
        challenge.attempts += 1
        if challenge.attempts >= OTP_MAX_TRIES:
            challenge.used_at = self.now  # void: a new code must be asked for
        self.ids.save_challenge(challenge)
        refused = self.throttle.fail(self._keys(person.id))
        self._audit(person.id, "failed", "wrong sms code")
        if refused is not None:
            return [self._refusal_reply(refused)]
        if challenge.used_at is not None:
            return [Reply("验证码输错次数太多，已失效。请回复“重新发送”获取新的验证码。", OTP_CHOICES, kind="error")]
        return [Reply("验证码不对，请再输入一次。", OTP_CHOICES, kind="error")]

    def candidate_place(self) -> tuple[int | None, int | None]:
        """The person being identified and where they are registered (for a call-back), if any."""
        candidate = self.t.state.candidate
        if candidate is None:
            return None, None
        person = self.t.store.people.get(int(candidate))
        roster = self.t.store.campaigns.roster_entry(self.t.campaign().id or 0, person.id or 0)
        return person.id, (roster.region_id if roster and roster.region_id else person.region_id)

    def prompt(self) -> Reply:
        """The pending prompt of the code step, repeated."""
        return Reply(f"请输入短信里的{OTP_DIGITS}位数字验证码。{_WAY_OUT}", OTP_CHOICES, kind="question")

    # -- codes -------------------------------------------------------------------------------

    def _send_code(self, person: Person, resend: bool = False) -> _Sent:
        """Queue a new one-time code to the person's registered phone, within the sending limits."""
        t = self.t
        pid = person.id or 0
        live = self.ids.live_otp(pid, t.msg.channel, t.msg.user_id, self.now)
        if live is not None and self.now - (aware(live.created_at) or self.now) < RESEND_AFTER:
            if resend:
                return _Sent(Reply("验证码刚刚发出，请稍等一分钟再回复“重新发送”。", OTP_CHOICES), False)
            return _Sent(self.prompt(), False)
        if self.ids.challenges_since(pid, ChallengeKind.OTP, self.now - timedelta(hours=1)) >= SMS_PER_HOUR:
            self._audit(pid, "denied", "sms limit")
            return _Sent(Reply(f"验证码发送次数太多，请一小时后再试。{_WAY_OUT}", OTP_CHOICES, kind="error"), False)
        phone = t.store.people.phone(person)
        assert phone is not None
        # a new code replaces this account's earlier one; other accounts' codes stay theirs (nobody can
        # void the person's own code by asking for one elsewhere)
        self.ids.retire_challenges(pid, ChallengeKind.OTP, self.now, channel=t.msg.channel,
                                   channel_user_id=t.msg.user_id)
        code = f"{secrets.randbelow(10 ** OTP_DIGITS):0{OTP_DIGITS}d}"
        challenge = self.ids.add_challenge(pid, ChallengeKind.OTP, code, self.now + OTP_TTL,
                                           channel=t.msg.channel, channel_user_id=t.msg.user_id, now=self.now)
        self.ids.queue_sms(challenge, phone, code, int(OTP_TTL.total_seconds() // 60))
        self._audit(pid, "challenged", "sms code sent")
        lead = "已重新发送。" if resend else "为确认是您本人，"
        text = (f"{lead}已向您登记的手机号码发送了{OTP_DIGITS}位验证码，请在{int(OTP_TTL.total_seconds() // 60)}"
                f"分钟内回复。收不到可以回复“重新发送”；{_WAY_OUT}")
        return _Sent(Reply(text, OTP_CHOICES, kind="question"), True)

    def _link(self, code: str) -> list[Reply]:
        """A collector's link code: links this account to the person it was made for."""
        t = self.t
        client = [self.throttle.client_key(self._client)]
        refused = self.throttle.refusal(client)
        if refused is not None:
            self._audit(None, "denied", "locked (link code)")
            return [self._refusal_reply(refused)]
        challenge = self.ids.link_challenge(code, self.now)
        if challenge is None:
            refused = self.throttle.fail(client)
            self._audit(None, "failed", "wrong link code")
            if refused is not None:
                return [self._refusal_reply(refused)]
            return [Reply("绑定码不对或已过期，请向采集员核对后再发一次。", kind="error")]
        person = t.store.people.get(challenge.person_id)
        return self._passed(person, challenge, "collector link code")

    def _passed(self, person: Person, challenge: IdentityChallenge, method: str) -> list[Reply]:
        t = self.t
        challenge.used_at = self.now
        self.ids.save_challenge(challenge)
        self.ids.retire_challenges(person.id or 0, ChallengeKind.OTP, self.now)
        self.throttle.passed(person.id or 0)
        t.store.people.link_account(t.store.people.account(t.msg.channel, t.msg.user_id), person)
        self._audit(person.id, "ok", method)
        raw, t.state.id_raw = t.state.id_raw, None
        t.state.candidate = None
        return [Reply("核对通过。"), *t.open_person_record(person, raw=raw)]

    def _refusal_reply(self, refused: Refusal) -> Reply:
        if refused.blocked:
            text = ("输错次数太多，为保护您的信息，身份核验已暂停。请回复“转人工”或拨打服务热线，"
                    "工作人员核实后为您恢复。您也可以回复“新登记”重新填写一份。")
        else:
            text = f"输错次数较多，为保护您的信息，请{refused.minutes_left(self.now)}分钟后再试。{_WAY_OUT}"
        return Reply(text, (Choice("新登记", "新登记"), Choice("转人工", "转人工")), kind="error")

    # -- declarations --------------------------------------------------------------------------

    def _declare(self, person: Person, lead: str) -> list[Reply]:
        """Open a new record for someone not verified as the registered person (nothing of theirs shows)."""
        t = self.t
        campaign = t.campaign()
        ident = t.q.identifier
        assert ident is not None
        region = person.region_id
        roster = t.store.campaigns.roster_entry(campaign.id or 0, person.id or 0)
        if roster is not None and roster.region_id is not None:
            region = roster.region_id
        record = self.ids.open_declaration(
            campaign, person, source=DeclarationSource.SELF, channel=t.msg.channel,
            opened_by=f"self:{t.msg.channel}", region_id=region, flag_key=ident.key)
        t.bind(record)
        number = t.store.people.id_number(person)
        raw, t.state.id_raw = t.state.id_raw, None
        t.state.candidate = None
        t.save(ident, number, raw=raw or "（申报）", confidence=1.0, status="new")
        t.state.phase = Phase.ASKING
        intro = lead or NEW_RECORD
        return [Reply(intro), *t.ask_next()]


def village_allowed(turn: Turn, region_id: int | None) -> bool:
    """Whether the sender may fill the form of a village: a logged-in collector whose area covers it."""
    staff = turn.msg.staff
    return staff is not None and staff.may_collect and (region_id is None or staff.covers(region_id))
