"""Form versions: the questionnaire files as published, so that a changed file never alters a running campaign.

A :class:`FormVersion` is the YAML text of one questionnaire file as it was registered (not personal data:
kept in clear), named by the file's own ``version:`` label and its content hash. A file whose content is
new is registered as a *draft*; publishing it (``intake form publish``, the admin API, the console) makes
it *published*, and a campaign pins one published version (``Campaign.form_version_id``). Records carry the
version they were begun with and answers the version they were asked with (``form_version_id``); a newer
published version is used by new records only, or by those migrated to it explicitly.

This module holds the table; the rows are read and written by ``store.forms``
(:class:`storage.repos.forms.FormRepo`); parsing and validating the YAML is the questionnaire model's job
(:mod:`bot.questionnaire`), publishing and migrating are services' (:mod:`admin.services.forms`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow


class FormStatus(StrEnum):
    """Where a form version stands."""

    DRAFT = "draft"  # registered from a file, used by nothing yet
    PUBLISHED = "published"  # may be pinned by campaigns; records ask from it
    RETIRED = "retired"  # published once, no longer offered to new records


class FormVersion(SQLModel, table=True):
    """One content of a questionnaire file, as registered, with its label and status."""

    __table_args__ = (UniqueConstraint("questionnaire", "content_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    questionnaire: str = Field(index=True)
    label: str  # the file's ``version:``, e.g. 2026.1
    content_hash: str  # sha256 of the text
    source_text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=FormStatus.DRAFT.value, index=True)  # a FormStatus value
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = "system"
    published_at: datetime | None = None
    published_by: str | None = None


def content_hash(text: str) -> str:
    """The hash that tells two contents of a file apart."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
