"""What every console page works with: the request's context (:class:`Console`), the templates and their labels.

Pages are rendered with Jinja2 (autoescaped) from data fetched from the services (:mod:`admin.services`)
with the request's own unit of work, so the console sees exactly what the API would show and every
read is audited the same way. A domain error (:class:`storage.errors.IntakeError`) raised by a
service becomes a polite page in Chinese (:func:`problem_message`), its refusal audited as the API
would. Actions (approve, correct, answer, reveal, login, logout) are small forms that
``static/console.js`` posts to ``/api`` with the HttpOnly session cookie. Nothing personal goes into
a URL: pages are addressed by record, appeal and campaign ids only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from admin.runtime import Runtime
from admin.services.access import PERMISSIONS, keep_refusal
from admin.services.accounts import staff_public
from admin.services.changes import deciding_level
from admin.web.deps import RuntimeDep, UnitOfWork, UowDep, bearer_token
from admin.web.security import csrf_token, staff_for_token
from bot.questionnaire import QType, Questionnaire
from storage.errors import IntakeError
from storage.staff import Staff

HERE = Path(__file__).parent
BEIJING = timezone(timedelta(hours=8), "北京时间")
PAGE_SIZE = 50

ROLE_LABELS = {
    "collector": "采集员", "reviewer": "审核员", "hotline": "热线接线员", "region_admin": "地区管理员",
    "system_admin": "系统管理员", "auditor": "审计员",
}
FLAG_REASONS = {
    "low_confidence": "识别把握不大", "rule": "前后信息不一致", "not_understood": "没能识别",
    "unsure": "本人说不清楚", "refused": "本人不愿回答", "unverified": "身份未核实（申报）",
}
ANSWER_STATUS = {
    "new": "新填", "confirmed": "已确认", "changed": "本人修改", "cleared": "已清除", "corrected": "已更正",
}
CHANNELS = {
    "web": "网页对话", "wechat": "微信", "telegram": "Telegram", "voice": "语音", "phone": "电话",
    "visit": "入户采集", "window": "窗口服务", "admin": "后台更正", "roster": "名册",
}
STAGES = {
    "collected": "已采集，待乡镇审核", "township_reviewed": "乡镇已审核", "county_checked": "县级已抽查",
    "city_accepted": "市级已验收", "province_accepted": "省级已验收", "returned": "已退回修改",
}
WORKFLOW_ACTIONS = {
    "advance": "上报", "return": "退回", "spot_check_passed": "抽查通过", "spot_check_failed": "抽查未通过",
    "submit": "提交", "change_approved": "批准本人修改", "change_rejected": "驳回本人修改",
    "declaration_merged": "申报确认为本人", "declaration_dismissed": "申报确认不是本人",
}
DECLARATION_STATUS = {"open": "待核实", "merged": "已确认是本人", "dismissed": "已确认不是本人"}
LEVEL_LABELS = {"village": "村级", "township": "乡镇", "county": "县级", "prefecture": "市级", "province": "省级"}
RECORD_STATUS = {"in_progress": "填写中", "submitted": "已提交"}
APPEAL_STATUS = {"new": "新诉求", "assigned": "已分派", "in_progress": "处理中", "answered": "已答复",
                 "closed": "已关闭"}
APPEAL_CATEGORIES = {"employment": "就业", "housing": "住房", "medical": "医疗", "pension": "待遇抚恤",
                     "placement": "安置", "rights": "权益维护", "other": "其他"}
APPEAL_SOURCES = {"chat": "对话转人工", "hotline": "热线来电", "questionnaire": "问卷中的诉求"}
NOTE_KINDS = {"note": "处理记录", "answer": "答复本人", "status": "状态变更"}
DEPARTMENTS = {"dibao": "民政低保名单", "social_security": "社保参保名单", "housing": "住房保障名单",
               "poverty": "防返贫监测名单", "hukou": "户籍名单"}
RECON_KINDS = {"problem": "问题数据", "missing": "缺失数据"}
RECON_REASONS = {"value_mismatch": "两边数值不一致", "unparseable_department_value": "部门数据无法识别",
                 "not_collected": "在名册中，尚未采集", "field_missing": "我们缺这一项", "not_on_roster": "不在我们的名册中"}
RECON_STATUS = {"open": "待处理", "resolved": "已处理"}
MAPPING_ROWS = 5
STATS_TYPES = (QType.SINGLE, QType.MULTI, QType.YES_NO, QType.ETHNICITY)
#: (page key, address, label, permissions of which one is needed to see the link)
NAV = (
    ("dashboard", "/admin", "首页", ("records.read",)),
    ("review", "/admin/review", "审核队列", ("review.read",)),
    ("workflow", "/admin/workflow", "审核上报", ("review.read",)),
    ("records", "/admin/records", "采集记录", ("records.read",)),
    ("appeals", "/admin/appeals", "诉求处理", ("appeals.read",)),
    ("collect", "/admin/collect", "电话/入户采集", ("collect",)),
    ("visits", "/admin/visits", "走访", ("collect",)),
    ("points", "/admin/points", "采集点", ("records.read",)),
    ("reconcile", "/admin/reconcile", "部门比对", ("review.read", "collect")),
    ("stats", "/admin/stats", "统计", ("review.read",)),
    ("exports", "/admin/exports", "导出", ("export",)),
    ("forms", "/admin/forms", "问卷版本", ("review.read",)),
)
PROBLEMS = {
    403: "抱歉，您的岗位（{role}）没有使用这个功能的权限。如确有需要，请联系上级管理员开通。",
    404: "没有找到这条信息，或者它不在您负责的地区范围内。",
    409: "这一项已经处理过了，请返回刷新后查看。",
    422: "请求的内容有误，请返回上一页检查后再试。",
}


def problem_message(status: int, role: str, error: IntakeError | None = None) -> str:
    """What the console tells staff about a refused or failed page, in Chinese (the one place for it)."""
    if error is not None and error.message_zh:
        return error.message_zh
    if status in PROBLEMS:
        return PROBLEMS[status].format(role=ROLE_LABELS.get(role, ""))
    return error.user_message if error is not None else "系统暂时出了点问题，请稍后再试。"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
}


def local_time(moment: datetime | None) -> str:
    """A time as Beijing wall-clock text (stored times are UTC, naive on SQLite)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def percent(rate: float | None) -> str:
    """A rate as a percentage, or a dash when there is nothing to divide by."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def place(path: str | None) -> str:
    """The last name of a region path."""
    return path.rsplit("/", 1)[-1] if path else "（未定位）"


def event_note(reason: str) -> str:
    """The note of a workflow event as text (a change request's decision keeps its reason in JSON)."""
    if reason.startswith("{"):
        try:
            data = json.loads(reason)
        except ValueError:
            return reason
        if isinstance(data, dict) and isinstance(data.get("reason"), str):
            return data["reason"]
    return reason


def safe_next(target: str | None) -> str:
    """A redirect target inside the console, never another site."""
    if target and target.startswith("/admin") and "//" not in target and "\\" not in target:
        return target
    return "/admin"


@cache
def templates() -> Jinja2Templates:
    """The console's templates, autoescaped, with its filters (built on first use)."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(local_time=local_time, percent=percent, place=place, event_note=event_note)
    env.globals.update(
        role_labels=ROLE_LABELS, flag_reasons=FLAG_REASONS, answer_status=ANSWER_STATUS, channels=CHANNELS,
        stages=STAGES, workflow_actions=WORKFLOW_ACTIONS, record_status=RECORD_STATUS,
        appeal_status=APPEAL_STATUS, appeal_categories=APPEAL_CATEGORIES, appeal_sources=APPEAL_SOURCES,
        note_kinds=NOTE_KINDS, departments=DEPARTMENTS, recon_kinds=RECON_KINDS, recon_reasons=RECON_REASONS,
        recon_status=RECON_STATUS, declaration_status=DECLARATION_STATUS, level_labels=LEVEL_LABELS,
        decided_by=deciding_level, QType=QType,
    )
    return Jinja2Templates(env=env)


@dataclass
class Console:
    """What a console page handler works with: the request, its unit of work and the logged-in staff."""

    request: Request
    uow: UnitOfWork
    rt: Runtime
    staff: Staff | None
    token: str | None = None  # the session token the request came with
    _names: dict[int, str] = field(default_factory=dict)

    def can(self, permission: str) -> bool:
        """Whether the logged-in staff member's role has a permission."""
        return self.staff is not None and self.staff.role in PERMISSIONS[permission]

    def staff_name(self, staff_id: int | None) -> str:
        """A staff member's display name (cached for the request)."""
        if staff_id is None:
            return ""
        if staff_id not in self._names:
            other = self.uow.staff.get(staff_id)
            self._names[staff_id] = other.display_name if other else f"工作人员{staff_id}"
        return self._names[staff_id]

    def actor(self, actor: str) -> str:
        """Who entered an answer, in words: the person, a staff member or a collector."""
        kind, _, rest = actor.partition(":")
        if kind == "self":
            return "本人（" + CHANNELS.get(rest, rest) + "）"
        if kind in ("staff", "collector") and rest.isdigit():
            return self.staff_name(int(rest))
        return actor

    def campaigns(self) -> list[tuple[str, Questionnaire]]:
        """The campaigns of this year's loaded questionnaires that exist in the database."""
        year = self.rt.settings.campaign_year
        out = []
        for name, q in sorted(self.rt.questionnaires.items()):
            key = f"{name}-{year}"
            if self.uow.store.campaigns.by_key(key) is not None:
                out.append((key, q))
        return out

    def html(self, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        """Render a template with the common context and the console's security headers."""
        base: dict[str, Any] = {"can": self.can, "staff_name": self.staff_name, "actor": self.actor}
        if self.staff is not None and self.token:
            base["csrf"] = csrf_token(self.rt.settings.secret_key, self.token)  # console.js sends it (admin.web.csrf)
        if self.staff is not None:
            base["me"] = staff_public(self.uow, self.staff)
            base["nav"] = [(key, href, label) for key, href, label, perms in NAV if any(map(self.can, perms))]
        return templates().TemplateResponse(self.request, name, {**base, **context}, status_code=status_code,
                                            headers=HEADERS)

    def page(self, active: str, name: str, build: Callable[[Staff], dict[str, Any]]) -> Response:
        """Render a page for the logged-in staff member; login first, API refusals as a polite page."""
        if self.staff is None:
            target = self.request.url.path + (f"?{self.request.url.query}" if self.request.url.query else "")
            return RedirectResponse("/admin/login?" + urlencode({"next": target}), status_code=303)
        try:
            data = build(self.staff)
        except IntakeError as exc:
            self.uow.store.session.rollback()  # as the API would: nothing of the page's work, only its refusal
            keep_refusal(self.uow.staff, exc)
            return self.problem(active, exc.status, problem_message(exc.status, self.staff.role, exc))
        return self.html(name, {"active": active, **data})

    def problem(self, active: str, status: int, message: str) -> Response:
        """The polite page of a refused or failed request."""
        return self.html("problem.html", {"active": active, "status": status, "message": message}, status_code=status)


def get_console(request: Request, uow: UowDep, rt: RuntimeDep,
                token: Annotated[str | None, Depends(bearer_token)]) -> Console:
    """The console context of a request; ``staff`` is None when nobody (valid) is logged in."""
    staff = staff_for_token(uow.staff, token, datetime.now(UTC)) if token else None
    return Console(request, uow, rt, staff, token)


ConsoleDep = Annotated[Console, Depends(get_console)]


def choice(value: str | None, allowed: Iterable[str]) -> str | None:
    """A filter value if it is one of the allowed ones, else None (no filter)."""
    return value if value and value in allowed else None
