"""Credentials in the URLs the HTTP clients log are blanked, whatever level the operator sets."""

from __future__ import annotations

import logging

import pytest

from bot.channels.logs import quiet_payload_logs

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(("logger", "message", "args"), [
    ("httpx", 'HTTP Request: %s %s "%s"', ("POST", f"https://api.telegram.org/bot{TOKEN}/sendMessage", "200 OK")),
    ("urllib3.connectionpool", '%s://%s:%s "%s %s %s" %s %s',
     ("https", "api.weixin.qq.com", 443, "GET",
      "/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=0123456789abcdef0123456789abcdef", "HTTP/1.1",
      200, 90)),
    ("httpx", "HTTP Request: POST %s", ("https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=ACCESS_1",)),
])
def test_logged_urls_carry_no_credentials(caplog: pytest.LogCaptureFixture, logger: str, message: str,
                                          args: tuple[object, ...]) -> None:
    quiet_payload_logs()
    quiet_payload_logs()  # idempotent: one filter each
    with caplog.at_level(logging.DEBUG, logger=logger):
        logging.getLogger(logger).info(message, *args)
    text = caplog.text
    assert TOKEN.split(":")[1] not in text and "0123456789abcdef0123456789abcdef" not in text and "ACCESS_1" not in text
    assert "***" in text and len(logging.getLogger(logger).filters) == 1
