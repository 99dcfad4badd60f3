"""Questionnaire versions: list them, compare one with the published version, publish one (administrators)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from admin.services import forms as service
from admin.services.access import require
from admin.web.deps import CurrentStaff, RuntimeDep, UowDep
from admin.web.params import DbId

router = APIRouter(prefix="/api/forms", tags=["questionnaire versions"])


class VersionOut(BaseModel):
    """One version of a questionnaire."""

    id: int
    label: str
    status: str = Field(description="draft | published | retired")
    content_hash: str = Field(description="the first 12 hex digits of the text's sha256")
    created_at: datetime
    created_by: str
    published_at: datetime | None
    published_by: str | None
    campaigns: list[str] = Field(description="keys of the campaigns whose new records start under it")


class DiffOut(BaseModel):
    """A version's text against the published one (a unified diff; empty when the same)."""

    diff: str


class PublishIn(BaseModel):
    """Which campaign to pin the version to (every running campaign of the questionnaire when none)."""

    campaign: str | None = None


class PublishedOut(BaseModel):
    """The published version and the campaigns pinned to it."""

    id: int
    label: str
    already: bool = Field(description="it was published before (the campaigns were pinned again)")
    campaigns: list[str]


@router.get("/{questionnaire}", response_model=list[VersionOut])
def versions(questionnaire: str, staff: CurrentStaff, uow: UowDep) -> list[VersionOut]:
    """Every version of a questionnaire, oldest first."""
    require(uow.staff, staff, "review.read")
    rows = service.list_versions(uow.store.forms, questionnaire)
    return [VersionOut(id=v.id, label=v.label, status=v.status, content_hash=v.content_hash,
                       created_at=v.created_at, created_by=v.created_by, published_at=v.published_at,
                       published_by=v.published_by, campaigns=list(v.campaigns)) for v in rows]


@router.get("/{questionnaire}/versions/{version_id}/diff", response_model=DiffOut)
def version_diff(questionnaire: str, version_id: DbId, staff: CurrentStaff, uow: UowDep,
                 campaign: str | None = None) -> DiffOut:
    """What a version changes against the published one (or the one a campaign pins)."""
    require(uow.staff, staff, "review.read")
    return DiffOut(diff=service.version_diff(uow.store.forms, questionnaire, version_id, campaign))


@router.post("/{questionnaire}/versions/{version_id}/publish", response_model=PublishedOut)
def publish(questionnaire: str, version_id: DbId, body: PublishIn, staff: CurrentStaff, uow: UowDep,
            rt: RuntimeDep) -> PublishedOut:
    """Publish a version (validated; a label published with other content is a conflict) and pin it."""
    require(uow.staff, staff, "forms.publish")
    forms = uow.store.forms
    service.version_text(forms, questionnaire, version_id)
    done = service.publish_version(forms, version_id, f"staff:{staff.id}", campaign_key=body.campaign,
                                   catalog=rt.engine.forms)
    uow.staff.audit("form.publish", staff=staff, target_type="questionnaire", target_id=questionnaire,
                    detail=f"{done.label}; {', '.join(done.campaigns)}")
    return PublishedOut(id=done.version_id, label=done.label, already=done.already, campaigns=list(done.campaigns))
