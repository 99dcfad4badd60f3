"""Voice messages inside a turn: recognised with the grammar of what the conversation waits for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.grammar import CONTROL_PHRASES, YES_NO_PHRASES, phrases_for
from bot.messages import Reply
from bot.questionnaire import Questionnaire
from voice.api import AudioError, VoiceUnavailable

if TYPE_CHECKING:
    from bot.dialogue.engine import Pending
    from bot.dialogue.turn import Turn

VOICE_PROBLEMS = {
    "unavailable": "暂时还不能识别语音消息，请用文字回复。",
    "audio": "这段语音没能打开，请再说一遍，或者用文字回复。",
    "unheard": "没听清您说的话，请再说一遍，或者用文字回复。",
}


def grammar(q: Questionnaire, pending: Pending) -> list[str] | None:
    """The speech grammar of what a conversation waits for: yes/no, the question's phrases, or none (free)."""
    if pending.yes_no:
        return [*YES_NO_PHRASES, "同意", "不同意", *CONTROL_PHRASES]
    return phrases_for(q.by_key.get(pending.question)) if pending.question else None


def listen(t: Turn) -> list[Reply] | None:
    """Recognise a voice message with the pending question's grammar; replies only when it fails."""
    from bot.dialogue.engine import pending_of

    transcriber = t.engine.transcriber
    if transcriber is None:
        return [Reply(VOICE_PROBLEMS["unavailable"], kind="error"), *t.reprompt()]
    try:
        heard = transcriber.transcribe(t.msg.audio or b"", t.msg.audio_format, grammar(t.q, pending_of(t.state)))
    except VoiceUnavailable:
        return [Reply(VOICE_PROBLEMS["unavailable"], kind="error"), *t.reprompt()]
    except AudioError:
        return [Reply(VOICE_PROBLEMS["audio"], kind="error"), *t.reprompt()]
    if not heard.text or heard.unknown:
        return [Reply(VOICE_PROBLEMS["unheard"], kind="error"), *t.reprompt()]
    t.text = heard.text
    t.heard_confidence = heard.confidence
    return None
