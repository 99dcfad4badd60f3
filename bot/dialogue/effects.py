"""What an answer does beyond being stored: an appeal for the hotline, the record placed in a region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.questionnaire import Question
from nlu.appeals import classify_appeal
from nlu.result import Parsed

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn


def after_saving(t: Turn, q: Question, value: Any) -> None:
    """The side effects of a stored answer."""
    if q.creates_appeal and isinstance(value, str) and is_a_request(t, value):
        appeal_from_answer(t, value)
    if q.locates and isinstance(value, str):
        locate(t, value)


def is_a_request(t: Turn, text: str) -> bool:
    """A free-text answer that says something, not “没有” or “不清楚”."""
    yn = t.u.yes_no(text)
    return bool(text.strip()) and not (isinstance(yn, Parsed) and yn.value in ("no", "unsure", "refuse"))


def appeal_from_answer(t: Turn, text: str) -> None:
    record = t.record
    t.store.appeals.create(
        source="questionnaire", text=text, category=classify_appeal(text).value, channel=t.msg.channel,
        channel_user_id=t.msg.user_id, person_id=record.person_id, record_id=record.id, region_id=record.region_id,
    )


def locate(t: Turn, path: str) -> None:
    """Place a record that the roster did not place, from the subject's own region answer."""
    record = t.record
    campaign = t.campaign()
    on_roster = record.person_id is not None and t.store.campaigns.roster_entry(campaign.id or 0, record.person_id)
    region = t.store.regions.by_path(path)
    if region is not None and not (on_roster and record.region_id is not None):
        record.region_id = region.id
        t.store.records.add(record)
        if record.person_id is not None:
            t.store.people.update(t.store.people.get(record.person_id), region_id=region.id)
