"""The console page 问卷版本: each questionnaire's versions, what a draft changes, and publishing it.

A questionnaire file changed on the server is registered at start-up as a draft and asks nothing yet; an
administrator sees here what it changes against the published version and publishes it (发布) for the
running campaigns. The data comes from the form versions services (:mod:`admin.services.forms`); the button posts to the
API (/api/forms/…/publish).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from admin.console.base import ConsoleDep
from admin.services import forms as service
from admin.services.access import require
from storage.errors import NotFound
from storage.staff import Staff

STATUS_LABELS = {"draft": "草稿（未使用）", "published": "已发布", "retired": "已停用"}


def form_pages() -> APIRouter:
    """The console's form versions page under /admin/forms."""
    pages = APIRouter(prefix="/admin/forms", include_in_schema=False)

    @pages.get("", name="forms_page")
    def forms_page(c: ConsoleDep) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            require(c.uow.staff, staff, "review.read")
            shown = []
            forms = c.uow.store.forms
            for name, q in sorted(c.rt.questionnaires.items()):
                try:
                    versions = service.list_versions(forms, name)
                except NotFound:
                    continue
                drafts = {v.id: service.version_diff(forms, name, v.id) for v in versions if v.status == "draft"}
                shown.append({"name": name, "title": q.title, "versions": versions, "drafts": drafts})
            return {"forms": shown, "labels": STATUS_LABELS, "can_publish": c.can("forms.publish")}

        return c.page("forms", "forms.html", build)

    return pages
