"""What a turn adds to a conversation's transcript, and the history shown when the chat is opened again.

The person's message is kept as they sent it, with what may identify them masked: runs of digits
that look like an ID number or a phone number (wherever they are said) get the project's masks, and
an answer to a prompt for the ID number, a phone number or the SMS code has every number character
masked (a spoken one arrives as Chinese numerals). A photo is kept as ``［照片］``, a voice message as
``［语音］`` and what was heard.
"""

from __future__ import annotations

import re

from bot.dialogue.engine import Secrecy
from bot.messages import Incoming, Reply
from storage.crypto import mask_id_number, mask_phone
from storage.transcript import Direction, Line

PHOTO = "［照片］"
VOICE = "［语音］"

_DIGIT_RUN = re.compile(r"[0-9０-９][0-9０-９Xx×\- ]{5,}[0-9０-９Xx]")
_NUMBER_CHARS = re.compile(r"[0-9０-９Xx零〇一二三四五六七八九十幺两壹贰叁肆伍陆柒捌玖]")
_WIDE = str.maketrans("０１２３４５６７８９", "0123456789")


def _mask_run(run: str) -> str:
    compact = re.sub(r"[\s\-]", "", run).translate(_WIDE)
    digits = sum(ch.isdigit() for ch in compact)
    if digits < 7:
        return run
    if len(compact) in (15, 18):
        return mask_id_number(compact)
    if len(compact) == 11 and compact.startswith("1"):
        return mask_phone(compact)
    return "*" * len(run)


def masked(text: str, secrecy: Secrecy) -> str:
    """What the person said, as kept in the transcript."""
    shown = _DIGIT_RUN.sub(lambda m: _mask_run(m.group(0)), text)
    spoken = shown == text and len(_NUMBER_CHARS.findall(text)) >= 7  # a number in words: 六二零一…
    if secrecy == Secrecy.CODE or (secrecy != Secrecy.NONE and spoken):
        shown = _NUMBER_CHARS.sub("*", shown)
    return shown


def said(msg: Incoming, secrecy: Secrecy) -> Line | None:
    """The line of a message in (None for no message: the chat opened)."""
    if msg.image is not None:
        return Line(Direction.IN, "photo", PHOTO)
    if msg.audio is not None:
        return Line(Direction.IN, "voice", VOICE + masked(msg.text or "", secrecy))
    if not msg.text:
        return None
    return Line(Direction.IN, "text", masked(msg.text, secrecy))


def answered(replies: list[Reply]) -> list[Line]:
    """The lines of the replies out."""
    return [Line(Direction.OUT, r.kind, r.text) for r in replies]


def earlier(lines: list[Line], current: list[Reply]) -> list[Line]:
    """The history before what is shown now: the last replies, repeated by the prompt shown again, are left out."""
    shown = {r.text for r in current}
    end = len(lines)
    while end and lines[end - 1].direction == Direction.OUT and lines[end - 1].text in shown:
        end -= 1
    return lines[:end]
