"""签字确认 as the collector console takes it: the person's signature (a PNG drawn on the screen, sealed as a
blob) or the reason there is none, and the signature shown to reviewers of the record's region only.
No FastAPI here: errors are the domain's."""

from __future__ import annotations

import struct

from admin.services.access import Scope, not_found, require
from admin.services.uow import UnitOfWork
from storage.errors import InvalidInput, NotFound
from storage.models import Record
from storage.signatures import NoSignatureReason, SignatureState
from storage.staff import Staff

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 512 * 1024  # a signature pad's PNG is a few tens of KiB
MAX_SIDE = 4096
MAX_NOTE = 500


def visible_record(uow: UnitOfWork, staff: Staff, scope: Scope, record_id: int) -> Record:
    """A record placed in the caller's area, else NotFound (audited)."""
    record = uow.store.session.get(Record, record_id)
    if record is None or not scope.covers(record.region_id):
        raise not_found(uow.staff, staff, "record", record_id)
    return record


def check_png(data: bytes) -> tuple[int, int]:
    """The width and height of a PNG image, or InvalidInput for anything else."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"file: a signature image is at most {MAX_BYTES // 1024} KiB")
    if len(data) < 33 or not data.startswith(PNG_MAGIC) or data[12:16] != b"IHDR":
        raise InvalidInput("file: not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise InvalidInput("file: the image's size is not that of a signature")
    return width, height


def sign(uow: UnitOfWork, staff: Staff, scope: Scope, record_id: int, data: bytes) -> SignatureState:
    """Keep the person's signature with the record, sealed."""
    require(uow.staff, staff, "collect")
    record = visible_record(uow, staff, scope, record_id)
    width, height = check_png(data)
    blob = uow.store.blobs.put("signature", "image/png", data)
    done = uow.store.signatures.signed(record.id or 0, blob.id or 0, staff.id or 0)
    uow.staff.audit("signature_add", staff=staff, target_type="record", target_id=record.id,
                    detail=f"png {width}x{height}")
    return done


def no_signature(uow: UnitOfWork, staff: Staff, scope: Scope, record_id: int, reason: NoSignatureReason,
                 note: str | None) -> SignatureState:
    """Record why the person did not sign (a reason from the list; a note, needed for "other")."""
    require(uow.staff, staff, "collect")
    record = visible_record(uow, staff, scope, record_id)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"note: at most {MAX_NOTE} characters")
    if reason is NoSignatureReason.OTHER and note is None:
        raise InvalidInput("note: say why the person did not sign")
    done = uow.store.signatures.not_signed(record.id or 0, reason, note, staff.id or 0)
    uow.staff.audit("signature_none", staff=staff, target_type="record", target_id=record.id, detail=reason.value)
    return done


def state(uow: UnitOfWork, staff: Staff, scope: Scope, record_id: int) -> SignatureState | None:
    """The record's signature or reason for none that counts (the latest), if any."""
    require(uow.staff, staff, "records.read")
    visible_record(uow, staff, scope, record_id)
    return uow.store.signatures.latest(record_id)


def image(uow: UnitOfWork, staff: Staff, scope: Scope, record_id: int) -> bytes:
    """The PNG of the record's signature, opened; the reading is audited."""
    found = state(uow, staff, scope, record_id)
    if found is None or found.blob_id is None:
        raise NotFound(f"record {record_id} has no signature")
    _, data = uow.store.blobs.read(found.blob_id)
    uow.staff.audit("signature_read", staff=staff, target_type="record", target_id=record_id)
    return data
