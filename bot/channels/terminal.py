"""The terminal chat: the same conversation on standard input and output, for trying intake out."""

from __future__ import annotations

import uuid
from typing import TextIO

from bot.messages import Choice, Incoming, Reply, StaffPass
from bot.service import ChatService

CHANNEL = "terminal"
#: Whoever runs the terminal chat on the server holds the database and its key: a local operator, who may
#: fill village forms anywhere (the web chat asks for a collector's console login instead).
LOCAL_OPERATOR = StaffPass(staff_id=0, may_collect=True, region_ids=None)


def render(replies: list[Reply]) -> tuple[str, tuple[Choice, ...]]:
    """Text for a batch of replies, with the last reply's choices numbered."""
    lines: list[str] = []
    choices: tuple[Choice, ...] = ()
    for r in replies:
        lines.append(r.text)
        choices = r.choices
    if choices:
        lines.append("  ".join(f"[{i}] {c.label}" for i, c in enumerate(choices, start=1)))
    return "\n".join(lines), choices


def run_terminal(service: ChatService, questionnaire: str, user: str, stdin: TextIO, stdout: TextIO) -> int:
    """Chat until end of input or “退出”; a number picks one of the offered choices."""
    text, choices = render(service.resume(CHANNEL, user, questionnaire, LOCAL_OPERATOR))
    print(text, file=stdout, flush=True)
    while True:
        print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print("", file=stdout)
            return 0
        answer = line.strip()
        if not answer:
            continue
        if answer in ("退出", "exit", "quit"):
            print("再见！进度已保存，下次可以接着填写。", file=stdout, flush=True)
            return 0
        if answer.isdigit() and 1 <= int(answer) <= len(choices):
            answer = choices[int(answer) - 1].value
        msg = Incoming(channel=CHANNEL, user_id=user, text=answer, message_id=uuid.uuid4().hex,
                       questionnaire=questionnaire, staff=LOCAL_OPERATOR)
        text, choices = render(service.handle(msg))
        print(text, file=stdout, flush=True)
