"""Settings from the environment, refusal of placeholder secrets, and the small CLI commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from admin.settings import PLACEHOLDER_SECRET, Settings, SettingsError

CLI = [sys.executable, "-c", "from admin.cli import main; main()"]


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("INTAKE_CAMPAIGN_YEAR", "2027")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.database_url == "postgresql://u@h/db" and s.campaign_year == 2027 and s.env == "development"


def test_placeholder_secret_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_ENV", "production")
    with pytest.raises((SettingsError, ValueError), match="INTAKE_SECRET_KEY"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("INTAKE_SECRET_KEY", PLACEHOLDER_SECRET)
    with pytest.raises((SettingsError, ValueError)):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("INTAKE_SECRET_KEY", "x" * 20)  # too short for production
    with pytest.raises((SettingsError, ValueError)):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("INTAKE_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("INTAKE_SMS_ALLOW_LOG_IN_PRODUCTION", "true")  # SMS settings: tests/admin/test_sms_settings.py
    assert Settings(_env_file=None).env == "production"  # type: ignore[call-arg]
    monkeypatch.setenv("INTAKE_ENV", "test")
    monkeypatch.setenv("INTAKE_SECRET_KEY", PLACEHOLDER_SECRET)
    with pytest.raises((SettingsError, ValueError), match="placeholder"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_serve_refuses_placeholder_secret_in_production(tmp_path: Path) -> None:
    env = {**os.environ, "INTAKE_ENV": "production", "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    env.pop("INTAKE_SECRET_KEY", None)
    result = subprocess.run([*CLI, "serve", "--port", "1"], capture_output=True, text=True, env=env,
                            timeout=60, check=False, cwd=tmp_path)
    assert result.returncode == 2 and "INTAKE_SECRET_KEY" in result.stderr


def test_questionnaire_check_command(tmp_path: Path) -> None:
    from bot.questionnaire import BUILTIN_DIR

    ok = subprocess.run([*CLI, "questionnaire", "check", *map(str, sorted(BUILTIN_DIR.glob("*.yaml")))],
                        capture_output=True, text=True, timeout=60, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "ok: veterans.yaml" in ok.stdout
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\nversion: '1'\n", encoding="utf-8")
    result = subprocess.run([*CLI, "questionnaire", "check", str(bad)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 1 and "broken.yaml" in result.stderr


def test_serve_runs_on_the_embedded_default_and_says_what_is_off(tmp_path: Path) -> None:
    """The README's first command: no configuration at all, SQLite in ./var, web chat and console up."""
    import httpx

    from tests.server import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port)], stderr=subprocess.PIPE, text=True, env=env,
                            cwd=tmp_path)
    try:
        assert proc.stderr is not None
        lines: list[str] = []
        for line in proc.stderr:
            lines.append(line)
            if "Uvicorn running" in line or len(lines) > 40:
                break
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
        assert health["status"] == "ok" and health["channels"] == {"web": True, "wechat": False, "telegram": False}
        assert httpx.get(f"http://127.0.0.1:{port}/admin/login", timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr is not None:
            proc.stderr.close()
    said = "".join(lines)
    assert "channel wechat: off" in said and "channel telegram: off" in said
    assert "speech recognition: off" in said and f"http://127.0.0.1:{port}/admin" in said
    assert (tmp_path / "var" / "intake.db").is_file()
