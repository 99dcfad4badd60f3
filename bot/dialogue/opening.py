"""Opening a conversation: the campaign notice and consent, then the record (a person's, or a village's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogue.identify import VILLAGE_PROMPT, VILLAGE_STAFF_ONLY, Identification, village_allowed
from bot.dialogue.state import Phase
from bot.messages import GENERAL_HELP, NEW_RECORD, WELCOME_BACK, Choice, Reply
from nlu.result import NotUnderstood, Parsed
from storage.models import Person

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn

YES, NO = "yes", "no"
_CONSENT = (Choice("同意", "同意"), Choice("不同意", "不同意"))


class Opening:
    """The notice, consent, and binding the conversation to its record."""

    def __init__(self, turn: Turn) -> None:
        self.t = turn

    def notice(self) -> list[Reply]:
        """The campaign notice, asking for consent."""
        c = self.t.q.campaign
        text = (
            f"您好！这里是“{c.title}”。\n采集单位：{c.organiser}\n用途：{c.purpose}\n"
            f"保存内容：{c.stored}\n保存期限：{c.retention}\n您同意后我们才开始登记，是否同意？"
        )
        return [Reply(text, _CONSENT, kind="notice")]

    def on_notice(self) -> list[Reply]:
        t = self.t
        yn = t.u.yes_no(t.text)
        if isinstance(yn, Parsed) and yn.value == YES:
            t.state.notice_accepted_at = t.now
            return self.start_identification()
        if isinstance(yn, Parsed) and yn.value in (NO, "refuse"):
            t.store.conversations.delete(t.conv)
            t.dropped = True
            return [Reply("好的，我们不会保存您的任何信息。如果改变主意，随时发送“开始”。", kind="text")]
        return [Reply("请回复“同意”或“不同意”。", _CONSENT, kind="notice")]

    def start_identification(self) -> list[Reply]:
        t = self.t
        if t.q.subject.kind == "village":
            if not village_allowed(t, None):
                return [Reply(VILLAGE_STAFF_ONLY, kind="error")]
            t.state.phase = Phase.VILLAGE
            return [Reply(VILLAGE_PROMPT, kind="question")]
        return Identification(t).start()

    def open_person_record(self, person: Person, raw: str | None) -> list[Reply]:
        """Open (or create) the record of a person who has been identified, and ask on."""
        t = self.t
        campaign = t.campaign()
        roster = t.store.campaigns.roster_entry(campaign.id or 0, person.id or 0)
        region_id = roster.region_id if roster and roster.region_id else person.region_id
        record, created = t.store.records.ensure(
            campaign, f"person:{person.id}", channel=t.msg.channel, person_id=person.id, region_id=region_id
        )
        t.bind(record)
        ident = t.q.identifier
        if ident is not None and ident.key not in t.answers():
            t.save(ident, t.store.people.id_number(person), raw=raw or "（身份核验）", confidence=1.0,
                   status="confirmed" if roster else "new")
        if record.status == "submitted":
            t.state.phase = Phase.DONE
            return [Reply(f"您已经提交过了，回执号是 {record.receipt}。", kind="receipt"), t.summary()]
        t.state.phase = Phase.ASKING
        return [Reply(NEW_RECORD if created else WELCOME_BACK), *t.ask_next()]

    def on_village(self) -> list[Reply]:
        t = self.t
        result = t.u.resolve_village(t.text)
        if isinstance(result, NotUnderstood):
            candidates = t.u.village_candidates(t.text)
            choices = tuple(Choice(c.split("/", 2)[-1], c) for c in candidates[:5])
            return [Reply(result.message, choices, kind="error")]
        region = t.store.regions.by_path(result.value)
        if region is None or region.level != "village":
            candidates = [c for c in t.u.village_candidates(t.text) if c != result.value]
            choices = tuple(Choice(c.split("/", 2)[-1], c) for c in candidates[:5])
            return [Reply("请具体到村（社区），例如“东塬乡东塬村”。", choices, kind="error")]
        if not village_allowed(t, region.id):
            return [Reply(VILLAGE_STAFF_ONLY, kind="error")]
        record, created = t.store.records.ensure(
            t.campaign(), f"region:{region.id}", channel=t.msg.channel, region_id=region.id
        )
        t.bind(record)
        t.state.phase = Phase.ASKING
        place = region.path.split("/", 2)[-1]
        if record.status == "submitted":
            t.state.phase = Phase.DONE
            return [Reply(f"{place}已经提交过了，回执号是 {record.receipt}。", kind="receipt"), t.summary()]
        intro = f"好的，登记{place}。" if created else f"欢迎回来！{place}的登记接着上次继续。"
        return [Reply(intro + ("" if not created else GENERAL_HELP)), *t.ask_next()]
