"""What every repository shares: the unit of work's session and vault, and the storage exceptions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from storage import errors
from storage.crypto import Vault
from storage.errors import IntakeError


class StorageError(IntakeError):
    """Base of the storage exceptions."""


class NotFound(StorageError, errors.NotFound):
    """A row that was asked for does not exist."""


class DuplicateMessage(StorageError, errors.Conflict):
    """A channel message with this key was already taken by a concurrent request."""


@dataclass(frozen=True)
class Context:
    """The session and vault of one unit of work, shared by its repositories."""

    session: Session
    vault: Vault
    # the channel users whose conversation, as read in this unit of work, had no message waiting: taking
    # their outbox then needs no query (a message queued in this unit of work removes them)
    no_outbox: set[tuple[str, str]] = field(default_factory=set)


class Repository:
    """A repository of one aggregate over the unit of work's context; commit is the caller's."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.vault = ctx.vault
