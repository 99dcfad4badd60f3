"""Control phrases: 返回, 跳过, 把X改成…, 为什么问, 帮助, 暂停 / 继续, 重新开始, 转人工."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogue.after_submit import NO_RESTART, under_review
from bot.dialogue.identify import Identification
from bot.dialogue.state import Phase
from bot.messages import GENERAL_HELP, Choice, Reply
from bot.questionnaire import Question
from bot.values import display
from nlu.appeals import classify_appeal
from nlu.intents import Intent
from nlu.result import NotUnderstood, Parsed

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn

RESTART_QUESTION = Reply("确定要从头开始吗？已填写的内容会被清空。", (Choice("确定", "确定"), Choice("取消", "取消")),
                         kind="confirm")
_PAUSED = Reply("您已暂停填写。发送“继续”接着填写。", (Choice("继续", "继续"),))


class Control:
    """The control phrases of one turn."""

    def __init__(self, turn: Turn) -> None:
        self.t = turn

    def control(self, intent: Intent, q: Question | None) -> list[Reply] | None:
        """The replies to a control phrase, or None when the intent is not one handled here."""
        t = self.t
        name = intent.name
        if name == "back":
            return self.back()
        if name == "skip" and q is not None:
            if q.required:
                return [Reply("这个问题需要回答。如果不清楚，可以直接说“不清楚”。", kind="error"), t.question_reply(q)]
            t.state.skipped.append(q.key)
            t.state.warning = None
            t.answered(q.key)
            return [Reply("好的，跳过这一题。"), *t.ask_next()]
        if name == "change":
            return self.change(intent)
        if name == "why":
            why = (q.why if q and q.why else "这是本次登记需要了解的内容，用于更好地为您服务。")
            return [Reply(why), *t.reprompt()] if q else [Reply(why)]
        if name == "help":
            tip = f"{q.help}\n" if q and q.help else ""
            return [Reply(tip + GENERAL_HELP), *t.reprompt()] if q else [Reply(tip + GENERAL_HELP)]
        if name == "pause":
            return self.pause()
        if name == "restart":
            if t.bound() and under_review(t.record):
                return [Reply(NO_RESTART, kind="error"), *t.resume_prompt()]
            t.state.restart_from = t.state.phase
            t.state.phase = Phase.RESTART_CONFIRM
            return [RESTART_QUESTION]
        if name == "resume":
            return t.reprompt() or None
        return None

    def back(self) -> list[Reply]:
        t = self.t
        history = t.state.history
        current = t.state.current
        env = t.env()
        candidates = [k for k in history if k != current and t.relevant(t.q.by_key[k], env)]
        if not candidates:
            return [Reply("已经是第一个问题了。"), *t.reprompt()]
        target = candidates[-1]
        history.remove(target)
        if target in t.state.skipped:
            t.state.skipped.remove(target)
        t.state.revisit = t.state.current = target
        t.state.confirming = None
        t.state.warning = None
        q = t.q.by_key[target]
        a = t.answers().get(target)
        before = f"您之前的回答是：{display(q, a.value, mask=True)}。" if a is not None and a.value is not None else ""
        return [Reply("好的，回到上一题。" + before), t.question_reply(q)]

    def change(self, intent: Intent) -> list[Reply]:
        t = self.t
        target = intent.target
        if target is None or target not in t.q.by_key:
            return [Reply("请告诉我要修改哪一项，例如“把出生日期改成1966年3月”。"), *t.reprompt()]
        q = t.q.by_key[target]
        if q.identifies:
            return [Reply("身份证号码用于核对身份，不能在这里修改。如有错误，请回复“转人工”。"), *t.reprompt()]
        if t.state.phase == Phase.DONE and not under_review(t.record):
            t.store.records.reopen(t.record)  # sent back for correction: edited directly
            t.state.phase = Phase.REVIEW
        t.state.warning = None
        rest = (intent.rest or "").strip()
        if rest:
            parsed = t.u.parse(q, rest, t.now)
            if isinstance(parsed, NotUnderstood):
                return [Reply(f"{parsed.message}请再说一遍，例如“把{q.title}改成…”。", kind="error")]
            t.text = rest
            return t.fill({q.key: parsed}, status_of={q.key: "changed"}, lead="已修改。", focus=q.key)
        if t.state.phase in (Phase.REVIEW, Phase.DONE):
            t.state.phase = Phase.ASKING
        t.state.revisit = t.state.current = target
        return [t.question_reply(q, lead=f"好的，修改{q.title}。")]

    def after_change(self) -> list[Reply]:
        """After a change made during the read-back: ask what became relevant, else show the summary again."""
        from bot.dialogue.asking import Asking

        t = self.t
        nxt = Asking(t).next_question()
        if nxt is not None:
            t.state.phase = Phase.ASKING
            t.state.current = nxt.key
            return [t.question_reply(nxt)]
        t.state.phase = Phase.REVIEW
        return [t.summary()]

    def pause(self) -> list[Reply]:
        t = self.t
        t.state.paused_from = t.state.phase
        t.state.phase = Phase.PAUSED
        return [Reply("好的，已为您保存进度。想继续时，发送“继续”即可。")]

    def on_paused(self, intent: Intent | None) -> list[Reply]:
        t = self.t
        if (intent is not None and intent.name == "resume") or t.text in ("继续", "开始", "/start"):
            t.state.phase, t.state.paused_from = t.state.paused_from or Phase.ASKING, None
            phase = t.state.phase
            if phase == Phase.ASKING:
                return [Reply("欢迎回来，我们继续。"), *t.ask_next()]
            if phase in (Phase.REVIEW, Phase.DONE):
                return [t.summary()]
            if phase == Phase.NOTICE:
                from bot.dialogue.opening import Opening

                return Opening(t).notice()
            return [Reply("欢迎回来，我们继续。"), *t.start_identification()]
        return [_PAUSED]

    def on_restart_confirm(self) -> list[Reply]:
        t = self.t
        yn = t.u.yes_no(t.text)
        back_to, t.state.restart_from = t.state.restart_from or Phase.ASKING, None
        if (isinstance(yn, Parsed) and yn.value == "yes") or t.text.startswith("确定"):
            t.restarted = True
            if t.bound():
                for key in list(t.answers()):
                    q = t.q.by_key.get(key)
                    if q is not None and not q.identifies:
                        t.save(q, None, raw=None, confidence=1.0, status="cleared")
                if t.record.status == "submitted":
                    t.store.records.reopen(t.record)
            t.state.forget_answers()
            if not t.bound():
                t.state.phase = back_to
                return [Reply("好的，从头开始。"), *t.reprompt()]
            t.state.phase = Phase.ASKING
            return [Reply("已清空，我们从头开始。"), *t.ask_next()]
        t.state.phase = back_to
        return [Reply("好的，继续填写。"), *(t.reprompt() if back_to == Phase.ASKING else [t.summary()])]

    def human(self) -> list[Reply]:
        t = self.t
        record = t.record_or_none()
        if record is not None:
            person_id, region_id, text = record.person_id, record.region_id, t.text
        else:  # asked during identification: the hotline of the person named calls them back to check
            person_id, region_id = Identification(t).candidate_place()
            text = f"（身份核验时转人工）{t.text}" if person_id is not None else t.text
        appeal = t.store.appeals.create(
            source="chat", text=text, category=classify_appeal(t.text).value, channel=t.msg.channel,
            channel_user_id=t.msg.user_id, person_id=person_id, record_id=record.id if record else None,
            region_id=region_id,
        )
        lead = f"已为您转人工服务，工作人员会尽快与您联系（受理编号 {appeal.id}）。"
        if t.state.phase == Phase.ASKING:
            return [Reply(lead + "您也可以继续填写。"), *t.reprompt()]
        return [Reply(lead)]
