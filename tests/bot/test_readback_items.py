"""The read-back offers every item to change by tapping it; text channels keep to the words."""

from __future__ import annotations

from admin.runtime import Runtime
from bot.channels.wechat_api import render_text
from tests.bot.test_engine_veterans import HAPPY, _begin
from tests.conftest import Chat
from tests.helpers import complete


def test_each_item_of_the_readback_can_be_tapped_to_change_it(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    complete(chat, HAPPY)
    summary = chat.last
    assert summary.kind == "summary"
    shortcuts = [c for c in summary.choices if c.shortcut]
    assert {c.value for c in shortcuts} >= {"修改姓名", "修改民族", "修改出生日期"}
    assert not any("身份证" in c.value for c in shortcuts)  # the ID number is not changed here
    chat.say("修改民族")
    assert chat.asking == "ethnicity"
    chat.say("回族")
    assert chat.last.kind == "summary" and "民族：回族" in chat.last.text
    text = render_text([summary])  # WeChat: the words only, not a line of 20 buttons
    assert "确认提交" in text and "改民族" not in text
