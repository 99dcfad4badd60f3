"""The Tencent Cloud SMS adapter against a fake API that verifies the signature; the signing vectors."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator

import pytest

from bot.sms import LogSmsGateway, SmsError
from bot.sms_tencent import TencentSmsConfig, TencentSmsGateway, e164_mainland, tc3_authorization
from bot.sms_tencent import tc3_canonical_request as canonical_request
from tests.bot import tencent_sms_fake as tc
from tests.server import free_port, serve

Fake = tuple[tc.FakeTencentSms, str]  # the fake API and its address

PHONE = "13800138000"
CODE = "482913"

# The sample of Tencent Cloud's "Signature v3" documentation (CVM DescribeInstances).
SAMPLE_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SAMPLE_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
SAMPLE_TIME = 1551113065  # 2019-02-25 UTC
SAMPLE_BODY = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
SAMPLE_CONTENT_TYPE = "application/json; charset=utf-8"
SEND_SMS_BODY = ('{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"某某市民政局",'
                 '"TemplateId":"1234567","TemplateParamSet":["482913","5"]}').encode()


def test_signing_reproduces_the_published_sample() -> None:
    headers = {"Content-Type": SAMPLE_CONTENT_TYPE, "Host": "cvm.tencentcloudapi.com", "X-TC-Action": "DescribeInstances"}
    canonical, names = canonical_request(SAMPLE_BODY, headers)
    assert names == "content-type;host;x-tc-action"
    assert canonical == ("POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n"
                         "x-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n"
                         "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")  # the documented hash
    # the documentation's hashed canonical request, the last line of its string to sign
    assert hashlib.sha256(canonical.encode()).hexdigest() == \
        "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
    assert tc3_authorization(secret_id=SAMPLE_ID, secret_key=SAMPLE_KEY, service="cvm", timestamp=SAMPLE_TIME,
                             payload=SAMPLE_BODY, headers=headers) == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host;x-tc-action, "
        "Signature=644be983de9a8a3f00db8eadaba61467c3b429e2215758ba897b738ca469fd26")
    # the same sample signing content-type and host only, as another implementation's test suite pins it
    minimal = tc3_authorization(secret_id=SAMPLE_ID, secret_key=SAMPLE_KEY, service="cvm", timestamp=SAMPLE_TIME,
                                payload=SAMPLE_BODY, headers={"content-type": SAMPLE_CONTENT_TYPE,
                                                              "host": "cvm.tencentcloudapi.com"})
    assert minimal.endswith("Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")


def test_signing_vector_of_a_send_sms_request() -> None:
    """Computed once by hand from the documented steps; guards the SMS request's exact signature."""
    auth = tc3_authorization(secret_id=SAMPLE_ID, secret_key=SAMPLE_KEY, service="sms", timestamp=SAMPLE_TIME,
                             payload=SEND_SMS_BODY, headers={"Content-Type": SAMPLE_CONTENT_TYPE,
                                                    "Host": "sms.tencentcloudapi.com", "X-TC-Action": "SendSms"})
    assert auth == ("TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/sms/tc3_request, "
                    "SignedHeaders=content-type;host;x-tc-action, "
                    "Signature=be794b9bd98b0f29d7f9786a2cbe829996ecec2886be5cb0b3d232b974c90364")


@pytest.fixture
def fake() -> Iterator[Fake]:
    """The fake API running on loopback, and its address."""
    api = tc.FakeTencentSms()
    with serve(api.app) as base:
        yield api, base + "/"


def gateway(base: str, *, secret_key: str = tc.SECRET_KEY, timeout: float = 5.0, skew: float = 0.0) -> TencentSmsGateway:
    """A gateway configured for the fake's application (its clock ``skew`` seconds off)."""
    config = TencentSmsConfig(secret_id=tc.SECRET_ID, secret_key=secret_key, sdk_app_id=tc.APP_ID, sign_name=tc.SIGN_NAME,
                              template_id=tc.TEMPLATE_ID, region=tc.REGION, api_base=base)
    return TencentSmsGateway(config, timeout=timeout, clock=lambda: time.time() + skew)


def test_a_code_is_sent_signed_with_the_template_parameters(fake: Fake,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    api, base = fake
    with caplog.at_level(logging.INFO, logger="intake.sms"):
        gateway(base).send_code(PHONE, CODE, 5)
    assert api.refused == [] and len(api.sent) == 1
    sent = api.sent[0]
    assert sent.payload == {"PhoneNumberSet": ["+8613800138000"], "SmsSdkAppId": tc.APP_ID, "SignName": tc.SIGN_NAME,
                            "TemplateId": tc.TEMPLATE_ID, "TemplateParamSet": [CODE, "5"]}
    assert sent.body == SEND_SMS_BODY  # the bytes of the signing vector above
    assert sent.headers["authorization"].split("SignedHeaders=")[1].startswith("content-type;host;x-tc-action,")
    assert sent.headers["x-tc-language"] == "en-US"
    assert "accepted" in caplog.text and "138******00" in caplog.text
    assert PHONE not in caplog.text and CODE not in caplog.text


@pytest.mark.parametrize("phone", ["138 0013 8000", "+86 138-0013-8000", "008613800138000", "8613800138000"])
def test_mainland_numbers_in_any_spelling_become_e164(phone: str) -> None:
    assert e164_mainland(phone) == "+8613800138000"


@pytest.mark.parametrize("phone", ["0931-8862345", "12800138000", "1380013800", "+4915112345678", "",
                                   "１３８００１３８０００", "138x0013800", "+8713800138000"])
def test_landlines_and_foreign_numbers_are_refused_before_any_request(fake: Fake,
                                                                      phone: str) -> None:
    api, base = fake
    with pytest.raises(SmsError, match="not a mainland China mobile number") as refused:
        gateway(base).send_code(phone, CODE, 5)
    assert api.sent == [] and api.refused == []
    if phone:
        assert phone not in str(refused.value)


def test_a_wrong_secret_key_fails_the_servers_signature_check(fake: Fake) -> None:
    api, base = fake
    with pytest.raises(SmsError, match=r"AuthFailure\.SignatureFailure: .*INTAKE_SMS_SECRET_KEY"):
        gateway(base, secret_key="not-the-secret").send_code(PHONE, CODE, 5)
    assert api.refused == ["AuthFailure.SignatureFailure"] and api.sent == []


def test_a_clock_far_off_gets_an_expired_signature(fake: Fake) -> None:
    api, base = fake
    with pytest.raises(SmsError, match=r"AuthFailure\.SignatureExpire: .*clock"):
        gateway(base, skew=-600).send_code(PHONE, CODE, 5)
    assert api.refused == ["AuthFailure.SignatureExpire"]


def assert_clean(error: pytest.ExceptionInfo[SmsError]) -> None:
    """The error message names neither the phone number nor the code."""
    text = str(error.value)
    assert "13800138000" not in text and CODE not in text, text


@pytest.mark.parametrize(("outcome", "message"), [
    ("blacklist", r"refused the message: FailedOperation\.PhoneNumberInBlacklist: .*blocklist.* \(request req-1\)"),
    ("daily_limit", r"refused the message: LimitExceeded\.PhoneNumberDailyLimit: the daily SMS limit"),
    ("unknown_refusal", r"refused the message: FailedOperation\.Something: refused for … with code …"),
    ("error", r"refused the message: FailedOperation\.InsufficientBalanceInSmsPackage: the SMS package is used up"),
    ("http500", r"answered HTTP 500"),
    ("html", r"not JSON"),
    ("no_response", r"without a Response object"),
    ("empty", r"without one send status"),
    ("bad_error", r"malformed error"),
])
def test_every_refusal_and_malformed_answer_raises_a_precise_sms_error(fake: Fake,
                                                                       outcome: str, message: str) -> None:
    api, base = fake
    api.answer(outcome)
    with pytest.raises(SmsError, match=message) as error:
        gateway(base).send_code(PHONE, CODE, 5)
    assert_clean(error)
    assert len(api.sent) == 1  # the request itself was good


def test_a_slow_answer_times_out(fake: Fake) -> None:
    api, base = fake
    api.answer("slow")
    started = time.monotonic()
    with pytest.raises(SmsError, match=r"did not answer in time \(ReadTimeout\)") as error:
        gateway(base, timeout=0.3).send_code(PHONE, CODE, 5)
    assert time.monotonic() - started < api.slow_seconds
    assert_clean(error)


def test_an_unreachable_api_raises_an_sms_error() -> None:
    with pytest.raises(SmsError, match=r"could not be reached \(ConnectError\)") as error:
        gateway(f"http://127.0.0.1:{free_port()}/").send_code(PHONE, CODE, 5)
    assert_clean(error)


def test_the_development_driver_logs_the_code_and_masks_the_phone(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="intake.sms"):
        LogSmsGateway().send_code(PHONE, CODE, 5)
    assert CODE in caplog.text and "138******00" in caplog.text and "5 minutes" in caplog.text
    assert PHONE not in caplog.text
