"""签字确认 of a record: the signature PNG drawn on the collector's screen (kept sealed), or the reason there is
none; the image is served to staff of the record's region only, through this authenticated route."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from admin.services import signatures as service
from admin.services.access import scope_of
from admin.web.deps import CurrentStaff, UowDep
from admin.web.params import DbId
from storage.signatures import NO_SIGNATURE_LABELS, NoSignatureReason, SignatureState

router = APIRouter(prefix="/api/records", tags=["signatures"])


class NoSignatureIn(BaseModel):
    """Why the person did not sign."""

    reason: NoSignatureReason
    note: str | None = Field(default=None, max_length=500)


class SignatureOut(BaseModel):
    """The record's signature or reason for none that counts (the latest entry)."""

    record_id: int
    signed: bool
    reason: NoSignatureReason | None
    reason_label: str | None
    note: str | None
    staff_id: int
    created_at: datetime
    image: str | None  # the authenticated address of the PNG


def signature_out(s: SignatureState) -> SignatureOut:
    return SignatureOut(record_id=s.record_id, signed=s.signed, reason=s.reason,
                        reason_label=NO_SIGNATURE_LABELS[s.reason] if s.reason else None, note=s.note,
                        staff_id=s.staff_id, created_at=s.created_at,
                        image=f"/api/records/{s.record_id}/signature.png" if s.signed else None)


@router.post("/{record_id}/signature", response_model=SignatureOut, status_code=201)
def sign(record_id: DbId, staff: CurrentStaff, uow: UowDep,
         file: Annotated[UploadFile, File(description="the signature drawn on the screen, as PNG")]) -> SignatureOut:
    """Keep the person's signature with the record, sealed (a PNG of at most 512 KiB)."""
    data = file.file.read(service.MAX_BYTES + 1)
    return signature_out(service.sign(uow, staff, scope_of(uow.staff, staff), record_id, data))


@router.post("/{record_id}/signature/none", response_model=SignatureOut, status_code=201)
def no_signature(record_id: DbId, body: NoSignatureIn, staff: CurrentStaff, uow: UowDep) -> SignatureOut:
    """Record why the person did not sign (a note is needed for "other")."""
    return signature_out(service.no_signature(uow, staff, scope_of(uow.staff, staff), record_id, body.reason,
                                              body.note))


@router.get("/{record_id}/signature", response_model=SignatureOut | None)
def read_signature(record_id: DbId, staff: CurrentStaff, uow: UowDep) -> SignatureOut | None:
    """The record's signature or reason for none (null when neither was taken yet)."""
    found = service.state(uow, staff, scope_of(uow.staff, staff), record_id)
    return signature_out(found) if found is not None else None


@router.get("/{record_id}/signature.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "the signature"}})
def signature_image(record_id: DbId, staff: CurrentStaff, uow: UowDep) -> Response:
    """The signature image (staff of the record's region only; never cached)."""
    data = service.image(uow, staff, scope_of(uow.staff, staff), record_id)
    return Response(data, media_type="image/png", headers={"Cache-Control": "no-store"})
