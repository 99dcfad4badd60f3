"""Shared fixtures: the database backends (SQLite always, PostgreSQL when reachable), a runtime, a chat driver."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from admin.runtime import Runtime, build_runtime
from admin.settings import Settings
from bot.messages import Incoming, Reply, StaffPass
from bot.understanding import make_tokenizer
from nlu.tokenizer import Tokenizer
from tests.helpers import RecordingSms
from voice.model import MODEL_NAME, MODEL_SHA256, resolve_model
from voice.recognizer import VoskTranscriber

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("INTAKE_SHARED", REPO.parent / "shared"))
PG_URL = os.environ.get("INTAKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_MODE = os.environ.get("INTAKE_TEST_POSTGRES", "auto")  # auto | required | off
TEST_SECRET = "test-secret-key-0123456789abcdef-not-for-production"


def shared_path(*parts: str) -> Path:
    """A file of ../shared, or skip the test when the folder is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (set INTAKE_SHARED)")
    return path


def _pg_admin_url() -> str | None:
    if PG_MODE == "off":
        return None
    try:
        eng = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return PG_URL
    except Exception as exc:  # any connection failure means "not reachable"
        if PG_MODE == "required":
            raise RuntimeError(f"PostgreSQL is required for this run but unreachable at {PG_URL}: {exc}") from exc
        return None


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test session, dropped at the end (None if unreachable)."""
    admin = _pg_admin_url()
    if admin is None:
        yield None
        return
    name = f"intake_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin.rsplit("/", 1)[0] + "/" + name
    with eng.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_database: str | None) -> Iterator[str]:
    """Each database test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.db'}"
        return
    if pg_database is None:
        pytest.skip("PostgreSQL is not reachable")
    eng = create_engine(pg_database)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    eng.dispose()
    yield pg_database


def make_settings(db_url: str, **overrides: object) -> Settings:
    """Settings for a test runtime."""
    values: dict[str, object] = {
        "env": "test", "database_url": db_url, "secret_key": TEST_SECRET, "campaign_year": 2026,
        "sms_allow_log_in_production": True,  # so that env="production" tests need no SMS provider
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    """One tokenizer for the whole run: loading jieba's dictionary is the slow part of start-up."""
    from admin.runtime import load_questionnaires

    return make_tokenizer(load_questionnaires(make_settings("sqlite://")).values())


@pytest.fixture
def sms() -> RecordingSms:
    """The SMS gateway of the test runtime: the codes it was asked to send."""
    return RecordingSms()


@pytest.fixture
def runtime(db_url: str, tokenizer: Tokenizer, sms: RecordingSms) -> Iterator[Runtime]:
    """A runtime on the test database (verification codes go to the ``sms`` fixture)."""
    rt = build_runtime(make_settings(db_url), tokenizer=tokenizer, sms=sms)
    yield rt
    rt.close()


class Chat:
    """Drives one conversation through the chat service, as a channel would."""

    def __init__(self, runtime: Runtime, questionnaire: str, user: str = "user-1", channel: str = "web",
                 now: datetime | None = None, client: str | None = None, staff: StaffPass | None = None) -> None:
        self.runtime = runtime
        self.staff = staff  # the logged-in staff member typing (village forms need a collector)
        self.client = client  # the sender's address, as the web chat gives it
        self.questionnaire = questionnaire
        self.user = user
        self.channel = channel
        self.now = now or datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
        self.replies: list[Reply] = []

    def start(self) -> list[Reply]:
        """Open the chat (shows the notice or where we left off)."""
        self.replies = self.runtime.chat.resume(self.channel, self.user, self.questionnaire, self.staff)
        return self.replies

    def reopen(self) -> list[Reply]:
        """Open the chat again as a page reload does: the history so far, then where we left off."""
        history, replies = self.runtime.chat.reopen(self.channel, self.user, self.questionnaire, self.staff)
        self.replies = [*(Reply(line.text, kind=f"history-{line.direction}") for line in history), *replies]
        return self.replies

    def say(self, text: str, message_id: str | None = None) -> list[Reply]:
        """Send a message and keep the replies."""
        msg = Incoming(channel=self.channel, user_id=self.user, text=text, at=self.now,
                       message_id=message_id or uuid.uuid4().hex, questionnaire=self.questionnaire,
                       client=self.client, staff=self.staff)
        self.replies = self.runtime.chat.handle(msg)
        return self.replies

    @property
    def last(self) -> Reply:
        """The last reply."""
        return self.replies[-1]

    @property
    def asking(self) -> str | None:
        """The key of the question now asked, if any."""
        return self.last.question

    def texts(self) -> str:
        """All reply texts of the last turn, joined."""
        return "\n".join(r.text for r in self.replies)

    def identify(self, id_number: str, phone: str | None = None) -> list[Reply]:
        """Give the ID number and, when a code is sent to the registered phone, the code."""
        sms = self.runtime.chat.sms
        assert isinstance(sms, RecordingSms)
        before = len(sms.sent)
        self.say(id_number)
        if len(sms.sent) > before:
            self.say(sms.last_code(phone))
        return self.replies


# -- the real Vosk model, unpacked and loaded once per test session --------------------------------


@pytest.fixture(scope="session")
def model_zip() -> Path:
    """The official small Mandarin model zip of ../shared (skips when ../shared is absent)."""
    return shared_path("models", f"{MODEL_NAME}.zip")


@pytest.fixture(scope="session")
def model_dir(model_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model unpacked once for the session, through the same code INTAKE_VOSK_MODEL=zip uses."""
    return resolve_model(model_zip, tmp_path_factory.mktemp("vosk-cache"), sha256=MODEL_SHA256)


@pytest.fixture(scope="session")
def transcriber(model_dir: Path) -> Iterator[VoskTranscriber]:
    """One recogniser for the whole run (the model loads once)."""
    t = VoskTranscriber(model_dir, workers=2)
    yield t
    t.close()
