"""签字确认: the person's signature on the screen at the end of a visit or window session, or why there is none.

The signature is a PNG kept as a sealed :class:`~storage.models.Blob` (kind ``signature``) with the record;
when the person cannot sign, the collector records a reason from :class:`NoSignatureReason` and a sealed
note. The latest entry of a record is the one that counts. A record's submission from the collector console
needs one of the two (``bot/dialogue/review.py`` asks :meth:`Signatures.confirmed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, col, select

from storage.crypto import Vault
from storage.models import utcnow


class NoSignatureReason(StrEnum):
    """Why the person did not sign."""

    PHONE = "phone"  # 电话询问，无法当面签字
    CANNOT_WRITE = "cannot_write"  # 本人不会写字或行动不便
    REFUSED = "refused"  # 本人拒绝签字
    PROXY = "proxy"  # 家属代答，本人不在场
    DEVICE = "device"  # 设备故障
    OTHER = "other"


NO_SIGNATURE_LABELS = {
    NoSignatureReason.PHONE: "电话询问，无法当面签字", NoSignatureReason.CANNOT_WRITE: "本人不会写字或行动不便",
    NoSignatureReason.REFUSED: "本人拒绝签字", NoSignatureReason.PROXY: "家属代答，本人不在场",
    NoSignatureReason.DEVICE: "设备故障", NoSignatureReason.OTHER: "其他原因",
}


class Signature(SQLModel, table=True):
    """A record's signature (a sealed PNG blob) or the reason there is none, entered by a staff member."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    blob_id: int | None = Field(default=None, foreign_key="blob.id")
    reason: str | None = None  # a NoSignatureReason value when there is no signature
    note_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    staff_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class SignatureState:
    """The entry of a record that counts, opened."""

    id: int
    record_id: int
    signed: bool
    blob_id: int | None
    reason: NoSignatureReason | None
    note: str | None
    staff_id: int
    created_at: datetime


class Signatures:
    """Signatures and reasons for none; commit is the caller's."""

    def __init__(self, session: Session, vault: Vault) -> None:
        self.session = session
        self.vault = vault

    def signed(self, record_id: int, blob_id: int, staff_id: int) -> SignatureState:
        return self._add(Signature(record_id=record_id, blob_id=blob_id, staff_id=staff_id))

    def not_signed(self, record_id: int, reason: NoSignatureReason, note: str | None, staff_id: int) -> SignatureState:
        return self._add(Signature(record_id=record_id, reason=reason.value, staff_id=staff_id,
                                   note_enc=self.vault.seal(note) if note else None))

    def _add(self, row: Signature) -> SignatureState:
        self.session.add(row)
        self.session.flush()
        return self._open(row)

    def latest(self, record_id: int) -> SignatureState | None:
        row = self.session.exec(select(Signature).where(Signature.record_id == record_id)
                                .order_by(col(Signature.id).desc())).first()
        return self._open(row) if row is not None else None

    def confirmed(self, record_id: int) -> bool:
        """Whether the record has a signature or a recorded reason for none."""
        return self.session.exec(select(Signature.id).where(Signature.record_id == record_id).limit(1)).first() \
            is not None

    def _open(self, row: Signature) -> SignatureState:
        return SignatureState(id=row.id or 0, record_id=row.record_id, signed=row.blob_id is not None,
                              blob_id=row.blob_id, reason=NoSignatureReason(row.reason) if row.reason else None,
                              note=self.vault.open(row.note_enc) if row.note_enc else None,
                              staff_id=row.staff_id, created_at=row.created_at)
