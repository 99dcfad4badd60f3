"""The store: the unit of work the bot and the admin side receive, its repositories as attributes.

A :class:`Store` wraps one SQLModel session and the :class:`~storage.crypto.Vault`, and exposes one
repository per aggregate (``store.people``, ``store.records``, ``store.appeals``, ``store.forms``, … see
:mod:`storage.repos`). The repositories seal sensitive values on the way in and open them on the
way out, so callers never handle ciphertext. Values are JSON-serialisable (the bot encodes dates
and quantities). Commit is the caller's (see ``storage.db.session_scope``).
"""

from __future__ import annotations

from functools import cached_property

from sqlmodel import Session

from storage.crypto import Vault
from storage.points import Points
from storage.repos.appeals import APPEAL_DAYS, AppealRepo
from storage.repos.base import Context, DuplicateMessage, NotFound, StorageError
from storage.repos.blobs import BlobRepo
from storage.repos.campaigns import CampaignRepo
from storage.repos.conversations import ConversationRepo, MessageRepo
from storage.repos.forms import FormRepo
from storage.repos.outbox import OutboxItem, OutboxRepo
from storage.repos.people import PeopleRepo
from storage.repos.records import RecordRepo, StoredAnswer
from storage.repos.regions import RegionRepo
from storage.signatures import Signatures
from storage.staff_repo import StaffStore
from storage.visits import Visits

__all__ = ["APPEAL_DAYS", "DuplicateMessage", "NotFound", "OutboxItem", "StorageError", "Store", "StoredAnswer"]


class Store:
    """One unit of work: a session and the vault, and the repositories over them."""

    def __init__(self, session: Session, vault: Vault) -> None:
        self.session = session
        self.vault = vault
        ctx = Context(session, vault)
        self.people = PeopleRepo(ctx)
        self.campaigns = CampaignRepo(ctx)
        self.records = RecordRepo(ctx)
        self.appeals = AppealRepo(ctx)
        self.blobs = BlobRepo(ctx)
        self.outbox = OutboxRepo(ctx)
        self.conversations = ConversationRepo(ctx)
        self.messages = MessageRepo(ctx)
        self.regions = RegionRepo(ctx)
        self.forms = FormRepo(ctx)
        self.visits = Visits(session, vault)  # visit events and who needs a home visit
        self.points = Points(session)  # collection points and their window sessions
        self.signatures = Signatures(session, vault)  # 签字确认

    @cached_property
    def staff(self) -> StaffStore:
        """Staff accounts, logins and the audit log, over the same session."""
        return StaffStore(self.session)
