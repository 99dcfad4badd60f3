"""Form versions as admins handle them: registering the files at start-up, listing, comparing, publishing
a version (pinned by the running campaigns) and moving unsubmitted records to another version.

A file whose content is new is registered as a draft and changes nothing; only the very first content of a
questionnaire is published on its own (nothing can be running on it yet). Publishing validates the text,
refuses a label already published with other content (:class:`Conflict`) and pins the version to the
questionnaire's running campaigns (or the one named): their new records start under it, records begun
earlier finish under their own version unless :func:`migrate` moves them.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bot.forms import FormCatalog, parse_version_text
from bot.questionnaire import CHOICE_TYPES, QType, Question, Questionnaire
from storage.errors import Conflict, InvalidInput, NotFound
from storage.forms import FormStatus, FormVersion, content_hash
from storage.models import Campaign, Record
from storage.repo import Store
from storage.repos.forms import FormRepo

log = logging.getLogger(__name__)
CLOSED = "closed"  # a campaign in this status is not running: publishing pins nothing to it
START_UP = "system:start-up"


class Clock(Protocol):
    """Something that tells the time (the campaigns' storage/clock.py defines the same protocol)."""

    def now(self) -> datetime: ...


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


SYSTEM_CLOCK: Clock = _SystemClock()


# -- start-up -------------------------------------------------------------------------------


@dataclass
class StartupForms:
    """What start-up found: the questionnaire asked per name (its newest published version), and notes."""

    current: dict[str, Questionnaire]
    ids: dict[str, int]
    notes: list[str] = field(default_factory=list)

    def catalog(self) -> FormCatalog:
        return FormCatalog(self.current, self.ids)


def register_files(forms: FormRepo, files: Mapping[str, Questionnaire], clock: Clock = SYSTEM_CLOCK) -> StartupForms:
    """Register each loaded file's content (a draft when new), adopt campaigns without a pin, and say which
    files differ from what their running campaigns ask; returns the published questionnaires to ask from."""
    out = StartupForms({}, {})
    for name, q in files.items():
        text = Path(q.source).read_text(encoding="utf-8")
        version, _ = forms.register(name, q.version, text, by=f"file:{Path(q.source).name}")
        if not any(v.status == FormStatus.PUBLISHED for v in forms.of(name)):
            forms.mark_published(version, START_UP, clock.now())  # the first content: nothing runs on it yet
        newest = forms.newest_published(name)
        assert newest is not None and newest.id is not None
        for campaign in forms.campaigns_of(name):
            if campaign.form_version_id is None:
                _adopt(forms, campaign, _by_label(forms, name, campaign.questionnaire_version) or newest)
        if version.status == FormStatus.DRAFT:
            out.notes.extend(_differs(forms, name, Path(q.source).name, newest))
        out.current[name] = q if newest.id == version.id else parse_version_text(name, newest.source_text)
        out.ids[name] = newest.id
    for note in out.notes:
        log.warning(note)
    return out


def _differs(forms: FormRepo, name: str, filename: str, newest: FormVersion) -> list[str]:
    running = [c for c in forms.campaigns_of(name) if c.status != CLOSED and c.form_version_id is not None]
    hint = "publish it with intake form publish"
    if not running:
        return [f"{filename} differs from the published version {newest.label} of {name}; {hint}"]
    labels = forms.labels([c.form_version_id for c in running if c.form_version_id is not None])
    return [f"{filename} differs from the published version {labels.get(c.form_version_id or 0, '?')} "
            f"of campaign {c.key}; {hint}" for c in running]


def _by_label(forms: FormRepo, name: str, label: str) -> FormVersion | None:
    return next((v for v in forms.with_label(name, label) if v.status != FormStatus.DRAFT), None)


def _adopt(forms: FormRepo, campaign: Campaign, version: FormVersion) -> None:
    """Pin a campaign that has no pin, its unversioned records and answers taking the version."""
    forms.pin(campaign, version)
    forms.adopt_unversioned(campaign.id or 0, version.id or 0)


# -- listing and comparing --------------------------------------------------------------------


@dataclass(frozen=True)
class VersionView:
    """One version of a questionnaire as listed."""

    id: int
    questionnaire: str
    label: str
    status: str
    content_hash: str
    created_at: datetime
    created_by: str
    published_at: datetime | None
    published_by: str | None
    campaigns: tuple[str, ...]  # keys of the campaigns pinned to it


def list_versions(forms: FormRepo, name: str) -> list[VersionView]:
    """Every version of a questionnaire, oldest first, with the campaigns that pin it."""
    rows = forms.of(name)
    if not rows:
        raise NotFound(f"no versions of questionnaire {name!r}")
    pinned: dict[int, list[str]] = {}
    for c in forms.campaigns_of(name):
        if c.form_version_id is not None:
            pinned.setdefault(c.form_version_id, []).append(c.key)
    return [VersionView(v.id or 0, v.questionnaire, v.label, v.status, v.content_hash[:12], v.created_at,
                        v.created_by, v.published_at, v.published_by, tuple(pinned.get(v.id or 0, ())))
            for v in rows]


def version_text(forms: FormRepo, name: str, version_id: int) -> str:
    """The text of a version of the named questionnaire (NotFound for another questionnaire's)."""
    row = forms.find(version_id)
    if row is None or row.questionnaire != name:
        raise NotFound(f"no version {version_id} of questionnaire {name!r}")
    return row.source_text


def version_diff(forms: FormRepo, name: str, version_id: int, campaign_key: str | None = None) -> str:
    """What a registered version of the named questionnaire changes against the published one (or the one
    a campaign pins)."""
    return diff(forms, name, version_text(forms, name, version_id), campaign_key)


def diff(forms: FormRepo, name: str, text: str, campaign_key: str | None = None) -> str:
    """A unified diff from the version a campaign pins (the newest published one by default) to ``text``."""
    base = _campaign(forms, name, campaign_key).form_version_id if campaign_key else None
    old = forms.get(base) if base is not None else forms.newest_published(name)
    if old is None:
        raise NotFound(f"no published version of questionnaire {name!r}")
    lines = difflib.unified_diff(old.source_text.splitlines(keepends=True), text.splitlines(keepends=True),
                                 fromfile=f"{name} {old.label} (published)", tofile=f"{name} (this text)")
    return "".join(lines)


# -- what exports and statistics ask from ----------------------------------------------------


@dataclass(frozen=True)
class CampaignForms:
    """The questionnaire a campaign pins, and each version its records are asked from, by label."""

    pinned: Questionnaire
    pinned_label: str
    labels: dict[int, str]  # form version id -> label
    versions: dict[str, Questionnaire]  # label -> questionnaire, in the order of the versions' ids

    def label_of(self, version_id: int | None) -> str:
        return self.pinned_label if version_id is None else self.labels.get(version_id, "")

    def columns(self) -> list[Question]:
        """The pinned version's questions, then those only older versions of the campaign's records have."""
        seen = set(self.pinned.by_key)
        extra = []
        for version in self.versions.values():
            for q in version.questions:
                if q.key not in seen:
                    seen.add(q.key)
                    extra.append(q)
        return [*self.pinned.questions, *extra]


def campaign_forms(forms: FormRepo, catalog: FormCatalog, campaign: Campaign) -> CampaignForms:
    """What a campaign's exports and statistics are read with."""
    name = campaign.questionnaire
    pinned = catalog.of(forms, name, campaign.form_version_id)
    in_use = forms.versions_in(campaign.id or 0)
    used = [v for v in in_use if v is not None]
    ids = sorted({*used, *([campaign.form_version_id] if campaign.form_version_id else [])})
    labels = forms.labels(ids)
    pinned_label = labels.get(campaign.form_version_id or 0, pinned.version)
    versions = {labels[i]: catalog.of(forms, name, i) for i in ids if i in labels}
    if None in in_use:
        versions.setdefault(pinned_label, pinned)
    return CampaignForms(pinned, pinned_label, labels, versions)


# -- publishing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """A publication: the version, whether it was published before, the campaigns now pinned to it."""

    version_id: int
    label: str
    already: bool
    campaigns: tuple[str, ...]


def publish(forms: FormRepo, name: str, text: str, by: str, *, campaign_key: str | None = None,
            catalog: FormCatalog | None = None, clock: Clock = SYSTEM_CLOCK) -> Published:
    """Publish a questionnaire's text and pin it to its running campaigns (or the one named).

    Refuses text that does not validate (:class:`InvalidInput`, naming the question), a text of another
    questionnaire, and a label already published with other content (:class:`Conflict`).
    """
    q = parse_version_text(name, text)  # QuestionnaireError is an InvalidInput
    if q.name != name:
        raise InvalidInput(f"the text is of questionnaire {q.name!r}, not {name!r}")
    digest = content_hash(text)
    for other in forms.with_label(name, q.version):
        if other.content_hash != digest and other.status != FormStatus.DRAFT:
            raise Conflict(f"version {q.version} of {name} was published with other content; "
                           "give the file a new version: label")
    campaigns = [_campaign(forms, name, campaign_key)] if campaign_key else \
        [c for c in forms.campaigns_of(name) if c.status != CLOSED]
    before = forms.newest_published(name)
    version, _ = forms.register(name, q.version, text, by=by)
    already = version.status == FormStatus.PUBLISHED
    if version.status != FormStatus.PUBLISHED:
        forms.mark_published(version, by, clock.now())
    for campaign in campaigns:
        if campaign.form_version_id is None and before is not None:
            _adopt(forms, campaign, before)  # what it asked until now stays with what it began under
        forms.pin(campaign, version)
    if catalog is not None and version.id is not None:
        catalog.put(version.id, q)
    return Published(version.id or 0, version.label, already, tuple(c.key for c in campaigns))


def publish_version(forms: FormRepo, version_id: int, by: str, *, campaign_key: str | None = None,
                    catalog: FormCatalog | None = None, clock: Clock = SYSTEM_CLOCK) -> Published:
    """Publish a registered version (a draft registered at start-up) by its id."""
    row = forms.get(version_id)
    return publish(forms, row.questionnaire, row.source_text, by, campaign_key=campaign_key, catalog=catalog,
                   clock=clock)


def _campaign(forms: FormRepo, name: str, key: str | None) -> Campaign:
    found = next((c for c in forms.campaigns_of(name) if c.key == key), None)
    if found is None:
        raise NotFound(f"no campaign {key!r} of questionnaire {name!r}")
    return found


# -- migrating records ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dropped:
    """An answer a migration could not keep, and why."""

    record_id: int
    question: str
    why: str


@dataclass
class MigrationReport:
    """What a migration did: records moved, records already there, answers dropped."""

    campaign: str
    to_label: str
    moved: list[int] = field(default_factory=list)
    unchanged: int = 0
    dropped: list[Dropped] = field(default_factory=list)


def compatibility(old: Question | None, new: Question | None, value: Any) -> str | None:
    """Why an answer cannot be kept under the new version's question (None: it can)."""
    if new is None:
        return "the question is not in the new version"
    if old is not None and old.type != new.type:
        return f"the question's type changed ({old.type.value} -> {new.type.value})"
    if new.type in CHOICE_TYPES and value is not None and value != "none":
        codes = value if new.type == QType.MULTI and isinstance(value, list) else [value]
        if new.type != QType.YES_NO and any(new.option(str(c)) is None for c in codes):
            return "an option given is not in the new version"
    return None


def migrate(store: Store, catalog: FormCatalog, campaign_key: str, to_label: str, by: str,
            region_ids: Iterable[int] | None = None) -> MigrationReport:
    """Move a campaign's unsubmitted records (in the given regions) to a published version, keeping the
    answers whose question is still there with a compatible type and clearing the others."""
    forms = store.forms
    campaign = store.campaigns.by_key(campaign_key)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_key!r}")
    target = _by_label(forms, campaign.questionnaire, to_label)
    if target is None or target.status != FormStatus.PUBLISHED or target.id is None:
        raise NotFound(f"no published version {to_label!r} of questionnaire {campaign.questionnaire}")
    new_q = catalog.of(forms, campaign.questionnaire, target.id)
    report = MigrationReport(campaign.key, to_label)
    ids = frozenset(region_ids) if region_ids is not None else None
    for record in store.records.by_ids(store.records.ids_in(ids, campaign.id or 0, "in_progress")):
        if record.form_version_id == target.id:
            report.unchanged += 1
            continue
        report.dropped.extend(_move(store, forms, catalog, record, campaign, target, new_q, by))
        report.moved.append(record.id or 0)
    return report


def _move(store: Store, forms: FormRepo, catalog: FormCatalog, record: Record, campaign: Campaign,
          target: FormVersion, new_q: Questionnaire, by: str) -> list[Dropped]:
    old_q = catalog.of(forms, campaign.questionnaire, record.form_version_id)
    answers = store.records.current_answers(record.id or 0)
    forms.move_record(record, target)
    dropped = []
    for key, a in answers.items():
        why = compatibility(old_q.by_key.get(key), new_q.by_key.get(key), a.value)
        if why is None:
            continue
        store.records.save_answer(record, key, None, raw=None, confidence=1.0, status="cleared", channel="console",
                          actor=by, reason=f"form migrated to {target.label}: {why}")
        dropped.append(Dropped(record.id or 0, key, why))
    return dropped
