"""The INTAKE_SMS_* settings: what start-up refuses, and the gateway the builder makes of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from admin.settings import Settings, SettingsError, settings_error_message
from admin.sms import build_sms_gateway
from bot.sms import LogSmsGateway
from bot.sms_tencent import TencentSmsGateway
from tests.bot import tencent_sms_fake as tc
from tests.server import serve

PRODUCTION_SECRET = "p" * 40
TENCENT = {"INTAKE_SMS_PROVIDER": "tencent", "INTAKE_SMS_SECRET_ID": tc.SECRET_ID,
           "INTAKE_SMS_SECRET_KEY": tc.SECRET_KEY, "INTAKE_SMS_APP_ID": tc.APP_ID,
           "INTAKE_SMS_SIGN_NAME": tc.SIGN_NAME, "INTAKE_SMS_TEMPLATE_ID": tc.TEMPLATE_ID}


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    """Settings from exactly these INTAKE_* variables (no .env file)."""
    for name in list(os.environ):
        if name.startswith("INTAKE_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def refusal(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    """The reason start-up gives for refusing these variables, as `intake` prints it."""
    with pytest.raises(ValueError) as refused:
        settings(monkeypatch, **env)
    return settings_error_message(refused.value)


def test_development_defaults_to_the_log_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch)
    assert s.sms_provider == "log" and s.sms_region == "ap-guangzhou"
    assert s.sms_api_base == "https://sms.tencentcloudapi.com/"
    assert isinstance(build_sms_gateway(s), LogSmsGateway)


def test_tencent_without_its_credentials_is_refused_naming_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refusal(monkeypatch, INTAKE_SMS_PROVIDER="tencent") == (
        "INTAKE_SMS_PROVIDER=tencent needs INTAKE_SMS_SECRET_ID, INTAKE_SMS_SECRET_KEY, INTAKE_SMS_APP_ID, "
        "INTAKE_SMS_SIGN_NAME, INTAKE_SMS_TEMPLATE_ID")
    message = refusal(monkeypatch, **{**TENCENT, "INTAKE_SMS_TEMPLATE_ID": "  "})
    assert message == "INTAKE_SMS_PROVIDER=tencent needs INTAKE_SMS_TEMPLATE_ID"  # values never appear, only names


def test_an_app_or_template_id_that_is_not_a_number_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "INTAKE_SMS_TEMPLATE_ID must be the number" in refusal(
        monkeypatch, **{**TENCENT, "INTAKE_SMS_TEMPLATE_ID": "您的验证码为{1}"})
    assert "INTAKE_SMS_APP_ID must be the number" in refusal(monkeypatch, **{**TENCENT, "INTAKE_SMS_APP_ID": "app"})


def test_an_unknown_provider_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refusal(monkeypatch, INTAKE_SMS_PROVIDER="aliyun") == \
        "INTAKE_SMS_PROVIDER: Input should be 'log' or 'tencent'"


def test_production_refuses_the_log_driver_unless_explicitly_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    production = {"INTAKE_ENV": "production", "INTAKE_SECRET_KEY": PRODUCTION_SECRET}
    assert refusal(monkeypatch, **production).startswith(
        "INTAKE_SMS_PROVIDER=log writes verification codes to the log instead of sending them")
    assert "INTAKE_SMS_ALLOW_LOG_IN_PRODUCTION=true" in refusal(monkeypatch, **production, INTAKE_SMS_PROVIDER="log")
    allowed = settings(monkeypatch, **production, INTAKE_SMS_PROVIDER="log", INTAKE_SMS_ALLOW_LOG_IN_PRODUCTION="true")
    assert isinstance(build_sms_gateway(allowed), LogSmsGateway)
    real = settings(monkeypatch, **production, **TENCENT)
    assert isinstance(build_sms_gateway(real), TencentSmsGateway)
    assert refusal(monkeypatch, **production, **TENCENT, INTAKE_SMS_API_BASE="http://sms.example/") == \
        "INTAKE_SMS_API_BASE must be an https:// address in production (the codes travel in it)"
    # the test environment, like development, may log codes
    assert settings(monkeypatch, INTAKE_ENV="test", INTAKE_SECRET_KEY=PRODUCTION_SECRET).sms_provider == "log"


def test_the_builder_refuses_settings_that_skipped_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    copied = settings(monkeypatch).model_copy(update={"env": "production", "secret_key": PRODUCTION_SECRET})
    with pytest.raises(SettingsError, match="INTAKE_SMS_PROVIDER=log"):
        build_sms_gateway(copied)
    with pytest.raises(SettingsError, match="needs INTAKE_SMS_SECRET_ID"):
        build_sms_gateway(settings(monkeypatch).model_copy(update={"sms_provider": "tencent"}))


def test_the_built_tencent_gateway_sends_through_the_configured_api(monkeypatch: pytest.MonkeyPatch) -> None:
    api = tc.FakeTencentSms()
    with serve(api.app) as base:
        s = settings(monkeypatch, **TENCENT, INTAKE_SMS_API_BASE=base + "/", INTAKE_SMS_REGION=tc.REGION)
        build_sms_gateway(s).send_code("13800138000", "482913", 5)
    assert api.refused == [] and [sent.payload["TemplateParamSet"] for sent in api.sent] == [["482913", "5"]]


def test_serve_in_production_with_the_log_driver_exits_before_starting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update({"INTAKE_ENV": "production", "INTAKE_SECRET_KEY": PRODUCTION_SECRET,
                "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    result = subprocess.run([sys.executable, "-c", "from admin.cli import main; main()", "serve", "--port", "1"],
                            capture_output=True, text=True, env=env, timeout=60, check=False, cwd=tmp_path)
    assert result.returncode == 2 and "INTAKE_SMS_PROVIDER=log" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_refusal_printed_at_start_up_quotes_no_secret(tmp_path: Path) -> None:
    """pydantic's own message quotes the values given; the one intake prints must not."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update({k: v for k, v in TENCENT.items() if k != "INTAKE_SMS_TEMPLATE_ID"})
    result = subprocess.run([sys.executable, "-c", "from admin.cli import main; main()", "serve", "--port", "1"],
                            capture_output=True, text=True, env=env, timeout=60, check=False, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "configuration error: INTAKE_SMS_PROVIDER=tencent needs INTAKE_SMS_TEMPLATE_ID"
