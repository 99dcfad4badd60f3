"""Key rotation on SQLite and PostgreSQL: re-seal every sealed column in batches, interrupted and resumed.

The data is written by the real paths under the old key (a web chat with a pending read-back and
an appeal, a roster, a photo, an outbox message, a reconciliation item) plus values of the first
format; after the rotation the old key is removed and everything still opens.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import update
from sqlmodel import select
from typer.testing import CliRunner

from admin.cli import app as cli
from admin.runtime import Runtime, build_runtime
from nlu.tokenizer import Tokenizer
from storage.crypto import Vault
from storage.models import Answer, Appeal, Conversation, Person, Region
from storage.reconcile import NewItem, ReconcileItem, ReconcileStore
from storage.rotation import LEGACY, Batch, key_status, rotate, sealed_columns
from tests.conftest import Chat, make_settings
from tests.helpers import make_id

OLD = "the-old-secret-key-of-the-campaign-2025"
NEW = "the-new-secret-key-of-the-campaign-2026"
CHATTER = make_id("620102", "19650312", "001")
ROSTERED = make_id("620102", "19700101", "003")
ANCIENT = make_id("620102", "19551111", "005")  # sealed and indexed in the first format


class Interrupted(Exception):
    """Raised by a progress callback to stop a rotation half-way."""


def _runtime(db_url: str, tokenizer: Tokenizer, secret: str, old: str = "") -> Runtime:
    return build_runtime(make_settings(db_url, secret_key=secret, old_secret_keys=old), tokenizer=tokenizer)


def _first_format(secret: str) -> tuple[AESGCM, bytes]:
    root = hashlib.sha256(secret.encode()).digest()
    return (AESGCM(hmac.new(root, b"intake/encrypt/v1", hashlib.sha256).digest()),
            hmac.new(root, b"intake/blind-index/v1", hashlib.sha256).digest())


def _seal_v1(secret: str, plain: str) -> bytes:
    aead, _ = _first_format(secret)
    nonce = os.urandom(12)
    return b"\x01" + nonce + aead.encrypt(nonce, plain.encode(), None)


def _index_v1(secret: str, number: str) -> str:
    import base64

    _, key = _first_format(secret)
    mac = hmac.new(key, f"id:{number}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:20]).decode().rstrip("=").lower()


@pytest.fixture
def old_data(db_url: str, tokenizer: Tokenizer) -> Iterator[dict[str, int]]:
    """A database written under the old key, with some values of the first format."""
    rt = _runtime(db_url, tokenizer, OLD)
    chat = Chat(rt, "veterans", user="rotating")
    chat.start()
    for text in ("同意", CHATTER, "退役士兵", "欧阳修远", "男", "汉族", "1965年3月12日", "我要转人工"):
        chat.say(text)
    ids: dict[str, int] = {}
    with rt.store_scope() as store:
        conv = store.conversations.find("web", "rotating")
        assert conv is not None
        state = store.conversations.state(conv)
        state["readback"] = {"key": "phone", "text": "幺三九零零零零一二三四", "confidence": 0.3, "blob_id": None}
        store.conversations.save(conv, state)
        campaign = store.campaigns.ensure("veterans", "1", 2026, "t", None)
        person = store.people.create(ROSTERED, source="roster", name="诸葛青", phone="13800002222")
        store.campaigns.put_roster_entry(campaign.id or 0, person, None, {"name": "诸葛青", "gender": "女"})
        ids["blob"] = store.blobs.put("photo", "image/jpeg", b"\xff\xd8" + "诸葛青的照片".encode()).id or 0
        store.outbox.queue("web", "rotating", "您的诉求已受理")
        appeal = store.session.exec(select(Appeal)).one()
        store.appeals.add_note(appeal, "已电话联系欧阳修远", "note", None)
        region = Region(name="甘肃省", level="province", path="甘肃省")
        store.session.add(region)
        store.session.flush()
        recon = ReconcileStore(store.session, store.vault)
        run = recon.create_run(campaign_id=campaign.id or 0, department="dibao", file_name="dibao.csv", mapping={},
                               staff_id=None, region_id=region.id or 0, rows=1, matched=0, rejected=[])
        recon.add_items(run, [NewItem("not_on_roster", region.id, id_number=ROSTERED, name="诸葛青")])
        # the first format: an ID number and blind index, an answer value, a clear dialogue state
        store.session.add(Person(id_index=_index_v1(OLD, ANCIENT), id_number_enc=_seal_v1(OLD, ANCIENT),
                                 name_enc=_seal_v1(OLD, "上官婉儿")))
        store.session.add(Conversation(channel="web", channel_user_id="ancient", questionnaire="veterans",
                                       state_json=json.dumps({"phase": "paused", "paused_from": "asking"})))
        answer = store.session.exec(select(Answer).where(Answer.question_key == "name")).one()
        store.session.execute(update(Answer).where(Answer.id == answer.id)  # type: ignore[arg-type]
                              .values(value_enc=_seal_v1(OLD, json.dumps("欧阳修远", ensure_ascii=False))))
        ids["record"] = answer.record_id
    rt.close()
    yield ids


def _stale(rt: Runtime) -> int:
    return sum(n for col in key_status(rt.db, rt.vault) for k, n in col.counts.items() if k != rt.vault.current_key_id)


def test_every_sealed_column_is_found_from_the_models() -> None:
    names = {c.name for c in sealed_columns()}
    assert {"person.id_number_enc", "person.name_enc", "person.phone_enc", "person.id_index", "answer.value_enc",
            "answer.raw_enc", "conversation.state_json", "inboundmessage.replies_enc", "blob.data_enc",
            "appeal.text_enc", "appealnote.text_enc", "outbox.text_enc", "rosterentry.prefill_enc",
            "reconcileitem.id_number_enc", "reconcileitem.name_enc", "reconcileitem.ours_enc",
            "reconcileitem.theirs_enc", "reconcileitem.theirs_raw_enc", "reconcileitem.note_enc"} <= names
    assert not any(n.startswith("auditentry.") for n in names)


def test_rotate_interrupted_resumed_then_the_old_key_removed(db_url: str, tokenizer: Tokenizer,
                                                             old_data: dict[str, int]) -> None:
    rt = _runtime(db_url, tokenizer, NEW, OLD)
    old_id = Vault(OLD).current_key_id
    before = {c.column.name: c.counts for c in key_status(rt.db, rt.vault)}
    assert before["person.id_index"] == {old_id: 2, LEGACY: 1}
    assert before["conversation.state_json"] == {old_id: 1, "clear": 1}
    assert before["answer.value_enc"].get(LEGACY) == 1 and rt.vault.current_key_id not in before["answer.raw_enc"]
    stale = _stale(rt)
    assert stale > 20

    def stop_after_one(done: Batch) -> None:
        assert done.table == "person"  # the blind indexes first
        raise Interrupted

    with pytest.raises(Interrupted):
        rotate(rt.db, rt.vault, batch_size=2, on_batch=stop_after_one)
    halfway = _stale(rt)
    assert 0 < halfway < stale  # the first batch was committed, the rest not yet
    with rt.store_scope() as store:  # look-ups by ID number work half-way, whichever key indexes a person
        for number in (CHATTER, ROSTERED, ANCIENT):
            assert store.people.find(number) is not None, number
        # and so does the batch look-up of a department list's import
        assert set(ReconcileStore(store.session, store.vault).persons_by_number([ANCIENT, ROSTERED])) == {
            ANCIENT, ROSTERED}
        indexes = {Vault.index_key_id(p.id_index) for p in store.session.exec(select(Person)).all()}
        assert rt.vault.current_key_id in indexes and indexes - {rt.vault.current_key_id}

    resumed = rotate(rt.db, rt.vault, batch_size=2)
    assert sum(resumed.resealed.values()) == halfway and not resumed.unreadable  # only what was left
    assert _stale(rt) == 0
    again = rotate(rt.db, rt.vault, batch_size=2)  # a second rotation in a row has nothing to do
    assert sum(again.resealed.values()) == 0 and again.rows == resumed.rows
    rt.close()

    new_only = _runtime(db_url, tokenizer, NEW)  # the old key removed
    try:
        _everything_opens(new_only, old_data)
    finally:
        new_only.close()


def _everything_opens(rt: Runtime, ids: dict[str, int]) -> None:
    with rt.store_scope() as store:
        assert store.records.current_answers(ids["record"])["name"].value == "欧阳修远"
        assert store.records.current_answers(ids["record"])["birth_date"].raw == "1965年3月12日"
        conv = store.conversations.find("web", "rotating")
        assert conv is not None and store.conversations.state(conv)["readback"]["text"] == "幺三九零零零零一二三四"
        ancient_conv = store.conversations.find("web", "ancient")
        assert ancient_conv is not None and store.conversations.state(ancient_conv)["phase"] == "paused"
        ancient = store.people.find(ANCIENT)
        assert ancient is not None and store.people.name(ancient) == "上官婉儿"
        rostered = store.people.find(ROSTERED)
        assert rostered is not None and store.people.phone(rostered) == "13800002222"
        campaign = store.campaigns.by_key("veterans-2026")
        assert campaign is not None
        entry = store.campaigns.roster_entry(campaign.id or 0, rostered.id or 0)
        assert entry is not None and store.campaigns.roster_prefill(entry)["name"] == "诸葛青"
        assert store.blobs.read(ids["blob"])[1] == b"\xff\xd8" + "诸葛青的照片".encode()
        appeal = store.session.exec(select(Appeal)).one()
        assert "转人工" in store.appeals.text(appeal)
        assert [t for _, t in store.appeals.notes(appeal.id or 0)] == ["已电话联系欧阳修远"]
        assert store.outbox.take("web", "rotating") == ["您的诉求已受理"]
        recon = ReconcileStore(store.session, store.vault)
        item = store.session.exec(select(ReconcileItem)).one()
        assert recon.opened(item).name == "诸葛青"
        assert recon.persons_by_index([store.people.id_index(ROSTERED)])  # the batch look-up of an import too
    chat = Chat(rt, "veterans", user="rotating")  # the conversation goes on under the new key
    chat.say("对")
    assert chat.replies


def test_the_keys_command_reports_and_rotates(db_url: str, tokenizer: Tokenizer, old_data: dict[str, int],
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the working copy
    for name, value in {"INTAKE_ENV": "test", "INTAKE_DATABASE_URL": db_url, "INTAKE_SECRET_KEY": NEW,
                        "INTAKE_OLD_SECRET_KEYS": f"{OLD}, another-old-secret-key-000"}.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    status = runner.invoke(cli, ["keys", "status"])
    assert status.exit_code == 0, status.output
    old_id = Vault(OLD).current_key_id
    assert f"{old_id} (old)" in status.output and "to re-seal" in status.output
    rotated = runner.invoke(cli, ["keys", "rotate", "--batch", "3"])
    assert rotated.exit_code == 0, rotated.output
    assert "values re-sealed under key id " + Vault(NEW).current_key_id in rotated.output
    assert "person.id_index" in rotated.output
    after = runner.invoke(cli, ["keys", "status"])
    assert after.exit_code == 0 and "0 to re-seal; old keys may be removed" in after.output
    assert f"{old_id} (old)" not in after.output
    monkeypatch.setenv("INTAKE_OLD_SECRET_KEYS", "")
    monkeypatch.setenv("INTAKE_SECRET_KEY", "a-key-nobody-sealed-anything-with")
    unknown = runner.invoke(cli, ["keys", "status"])
    assert unknown.exit_code == 1 and "no key of the keyring" in unknown.output
    assert len(runner.invoke(cli, ["keys", "generate"]).output.strip()) >= 60


def test_an_old_secret_key_too_short_is_refused() -> None:
    with pytest.raises(ValueError, match="INTAKE_OLD_SECRET_KEYS"):  # pydantic wraps the SettingsError
        make_settings("sqlite://", old_secret_keys=f"{OLD},short")
    assert make_settings("sqlite://", old_secret_keys=f" {OLD} ,, ").old_secrets == [OLD]
