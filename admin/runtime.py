"""Start-up: build every long-lived object once (database, vault, questionnaires, nlu, engine)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine as DbEngine

from admin.imports.regions import read_region_file
from admin.services.forms import register_files
from admin.settings import Settings, SettingsError
from admin.sms import build_sms_gateway
from bot.dialogue import Engine, EngineConfig
from bot.questionnaire import Questionnaire, load_all
from bot.service import ChatService
from bot.sms import SmsGateway
from bot.understanding import Understanding
from nlu.regions import RegionIndex
from nlu.tokenizer import Tokenizer
from storage.crypto import Vault
from storage.db import create_schema, make_engine, session_scope
from storage.repo import Store
from voice.api import Transcriber


@dataclass
class Runtime:
    """The objects a running intake shares between requests."""

    settings: Settings
    db: DbEngine
    vault: Vault
    questionnaires: Mapping[str, Questionnaire]
    understanding: Understanding
    engine: Engine
    chat: ChatService
    transcriber: Transcriber | None = None  # speech recognition, when INTAKE_VOSK_MODEL is set

    @contextmanager
    def store_scope(self) -> Iterator[Store]:
        """A unit of work with a Store (commits on success, rolls back on error)."""
        with session_scope(self.db) as session:
            yield Store(session, self.vault)

    def reload_regions(self) -> int:
        """Rebuild the region index from the database; returns how many regions it holds."""
        with session_scope(self.db) as session:
            rows = Store(session, self.vault).regions.rows()
        self.understanding.regions = RegionIndex.from_rows(rows) if rows else None
        return len(rows)

    def close(self) -> None:
        """Release the database connections and the speech recogniser's pool."""
        close = getattr(self.transcriber, "close", None)
        if close is not None:
            close()
        self.db.dispose()


def load_questionnaires(settings: Settings) -> dict[str, Questionnaire]:
    """The built-in questionnaires, with files from INTAKE_QUESTIONNAIRE_DIR added or overriding."""
    found = load_all()
    if settings.questionnaire_dir is not None:
        found.update(load_all(settings.questionnaire_dir))
    return found


def build_runtime(
    settings: Settings, *, tokenizer: Tokenizer | None = None, sms: SmsGateway | None = None
) -> Runtime:
    """Create the database schema if needed and every shared object (a built tokenizer or SMS gateway may
    be given)."""
    db = make_engine(settings.database_url)
    create_schema(db)
    vault = Vault(settings.secret_key, settings.old_secrets)
    with session_scope(db) as session:
        # a changed file is registered as a draft: what is asked stays the published version until published
        forms = register_files(Store(session, vault).forms, load_questionnaires(settings))
    questionnaires = forms.current
    with session_scope(db) as session:
        store = Store(session, vault)
        if settings.regions_file is not None and store.regions.count() == 0:
            store.regions.add(read_region_file(settings.regions_file))
        rows = store.regions.rows()
    understanding = Understanding(
        questionnaires.values(), RegionIndex.from_rows(rows) if rows else None, tokenizer=tokenizer
    )
    transcriber = build_transcriber(settings)
    engine = Engine(
        questionnaires,
        understanding,
        EngineConfig(
            campaign_year=settings.campaign_year,
            default_questionnaire=settings.default_questionnaire,
            low_confidence=settings.low_confidence,
        ),
        transcriber=transcriber,
        forms=forms.catalog(),
    )
    chat = ChatService(engine, db, vault, sms or build_sms_gateway(settings))
    return Runtime(settings, db, vault, questionnaires, understanding, engine, chat, transcriber)


def build_transcriber(settings: Settings) -> Transcriber | None:
    """The Vosk recogniser when INTAKE_VOSK_MODEL is set (a model folder, or its zip unpacked once), else None."""
    if settings.vosk_model is None:
        return None
    from voice.api import VoiceUnavailable
    from voice.recognizer import VoskTranscriber

    try:
        return VoskTranscriber.from_path(settings.vosk_model)
    except VoiceUnavailable as exc:
        raise SettingsError(f"INTAKE_VOSK_MODEL cannot be used: {exc}") from exc
