"""After the conversations: submitted records moved up the review levels, appeals handled, as staff would.

Each step is taken by the demo account whose level takes it, with the same store operations and in
the order the staff API requires (flags resolved before the township review, the county's spot check
passed before its step, returns with a reason); only the moments are planned ones in the past.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from admin.demo.people import weighted
from admin.demo.world import COUNTY_ADMIN, MARKER, REVIEW_TOWNSHIP, STAGES
from nlu.appeals import classify_appeal
from storage.models import Appeal, Record
from storage.repo import APPEAL_DAYS, Store
from storage.staff import Staff
from storage.staff_repo import StaffStore

RETURN_REASON = "电话号码和本人核实不一致，请重新核对后提交"
NOTE = "已电话联系本人，正在和相关部门核实。"
ANSWER = "您反映的问题已转相关部门办理，工作人员会在5个工作日内和您联系。"


class Reviewers:
    """The demo accounts that review, check, accept and answer, and the clock they do it by."""

    def __init__(self, store: Store, staff: dict[str, Staff], rng: random.Random, now: datetime) -> None:
        self.store = store
        self.audit = StaffStore(store.session).audit
        self.staff = staff
        self.rng = rng
        self.now = now

    def move(self, record: Record, village: str, target: str) -> None:
        """Walk a submitted record up to ``target`` (or send it back), from its submission until now."""
        if target == "collected" or record.submitted_at is None:
            return
        store = self.store
        county = self.staff[COUNTY_ADMIN["/".join(village.split("/")[:3])]]
        province = self.staff[MARKER]
        township = self.staff["demo.township"] if village.startswith(REVIEW_TOWNSHIP + "/") else province
        by = {"township_reviewed": township, "county_checked": county, "city_accepted": province,
              "province_accepted": province}
        steps = ["returned"] if target == "returned" else list(STAGES[1:STAGES.index(target) + 1])
        submitted = record.submitted_at
        times = sorted(submitted + (self.now - submitted) * self.rng.uniform(0.05, 0.95) for _ in steps)
        rid = record.id or 0
        if target != "returned":  # the reviewer looks at each flag before the township review
            for key in sorted({f.question_key for f in store.records.flags(rid)}):
                store.records.resolve_flags(rid, key, f"staff:{township.id}")
            for flag in store.records.flags(rid, status=None):
                if flag.resolved_at is not None:
                    flag.resolved_at = times[0]
                    store.session.add(flag)
        for stage, moment in zip(steps, times, strict=True):
            if stage == "returned":
                event = store.records.move(record, "return", "returned", county.id, RETURN_REASON)
            else:
                if stage == "county_checked":  # the county's spot check of the record, passed
                    store.records.move(record, "spot_check_passed", None, county.id, "").created_at = moment
                event = store.records.move(record, "advance", stage, by[stage].id)
            event.created_at = moment

    def take_call(self, text: str, person_id: int | None, region_id: int | None) -> Appeal:
        """A hotline call written down by the hotline (linked to the caller when they gave their ID number)."""
        hotline = self.staff["demo.hotline"]
        appeal = self.store.appeals.create(source="hotline", text=text, category=classify_appeal(text).value,
                                          channel="phone", person_id=person_id, region_id=region_id)
        appeal.created_at = self.now - timedelta(days=self.rng.uniform(0.3, 25))
        self.audit("create_appeal", staff=hotline, target_type="appeal", target_id=appeal.id)
        return appeal

    def handle(self, appeal: Appeal) -> None:
        """Take an appeal as far as the hotline would have by now: assigned, noted, answered, closed."""
        hotline, store = self.staff["demo.hotline"], self.store
        status = weighted(self.rng, {"new": 40, "assigned": 20, "in_progress": 15, "answered": 15, "closed": 10})
        appeal.deadline = appeal.created_at + timedelta(days=APPEAL_DAYS)
        steps = ("assigned", "in_progress", "answered", "closed")
        if status == "new":
            store.session.add(appeal)
            return
        for step in steps[:steps.index(status) + 1]:
            if step == "assigned":
                appeal.assignee_id = hotline.id
                store.appeals.add_note(appeal, f"assigned to {hotline.username}", "status", hotline.id)
            elif step == "in_progress":
                store.appeals.add_note(appeal, NOTE, "note", hotline.id)
            elif step == "answered":
                # not queued to the person's channel as the API does: demo accounts reach nobody
                store.appeals.add_note(appeal, ANSWER, "answer", hotline.id)
            else:
                store.appeals.add_note(appeal, "closed", "status", hotline.id)
            appeal.status = step
        store.session.add(appeal)
