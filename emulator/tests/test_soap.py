"""SOAP API login() (issue #14 item 2): versions 31.0–64.0, faults, the org knob, sessions."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
import requests

from emulator import Emulator
from emulator.tests.helpers import API, FIXTURES, TIMEOUT, Client

LOGIN = """<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">
  <env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">
    <n1:username>{username}</n1:username><n1:password>{password}</n1:password>
  </n1:login></env:Body>
</env:Envelope>"""


def _login(emu: Emulator, version: str = "62.0", password: str | None = None) -> requests.Response:
    body = LOGIN.format(
        username=emu.username,
        password=password if password is not None else emu.password + emu.security_token,
    )
    return requests.post(
        f"{emu.base_url}/services/Soap/u/{version}",
        data=body,
        headers={"Content-Type": "text/xml", "SOAPAction": "login"},
        timeout=TIMEOUT,
    )


def _tags(xml: bytes | str) -> list[str]:
    """Element local names in document order (namespaces and values ignored)."""
    return [e.tag.rsplit("}", 1)[-1] for e in ElementTree.fromstring(xml).iter()]


def _text(xml: bytes, name: str) -> str:
    for element in ElementTree.fromstring(xml).iter():
        if element.tag.rsplit("}", 1)[-1] == name:
            return element.text or ""
    raise AssertionError(f"{name} missing")


@pytest.fixture
def enabled(emu: Emulator) -> Emulator:
    emu.org.options.set("soap.login_enabled", True)
    return emu


def test_login_answers_the_recorded_shape_and_its_session_works_on_rest(enabled: Emulator) -> None:
    reply = _login(enabled)
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/xml")
    recorded = (FIXTURES / "soap" / "loginResponse.forrest.xml").read_text()
    assert _tags(reply.content) == _tags(recorded)
    server_url = _text(reply.content, "serverUrl")
    assert server_url == f"{enabled.base_url}/services/Soap/u/62.0/00DDn0000000000"
    session = _text(reply.content, "sessionId")
    rest = Client(enabled.base_url, session).query("SELECT Id FROM Organization")
    assert rest.status_code == 200 and rest.json()["totalSize"] == 1
    bulk_v1 = requests.get(
        f"{enabled.base_url}{API}/limits", headers={"X-SFDC-Session": session}, timeout=TIMEOUT
    )
    assert bulk_v1.status_code == 200


@pytest.mark.parametrize("version", ["31.0", "64.0"])
def test_login_is_answered_from_31_to_64(enabled: Emulator, version: str) -> None:
    assert _login(enabled, version).status_code == 200


def test_login_is_not_available_from_65(enabled: Emulator) -> None:
    reply = _login(enabled, "65.0")
    assert reply.status_code == 500
    assert _text(reply.content, "exceptionCode") == "INVALID_OPERATION"
    assert _text(reply.content, "exceptionMessage") == (
        "The SOAP Login operation is not available in the API version specified (65.0). "
        "Refer to the documentation for supported versions."
    )


def test_retired_versions_are_unsupported(enabled: Emulator) -> None:
    reply = _login(enabled, "30.0")
    assert reply.status_code == 500
    assert _text(reply.content, "exceptionCode") == "UNSUPPORTED_API_VERSION"


def test_login_is_disabled_by_default_like_a_new_org(emu: Emulator) -> None:
    reply = _login(emu)
    assert reply.status_code == 500
    assert _text(reply.content, "faultcode") == "INVALID_OPERATION"
    assert "disabled by default in this org" in _text(reply.content, "exceptionMessage")


def test_bad_password_is_the_recorded_invalid_login_fault(enabled: Emulator) -> None:
    reply = _login(enabled, password="wrong")
    assert reply.status_code == 500
    assert (
        reply.text == (FIXTURES / "soap" / "login.INVALID_LOGIN.simple-salesforce.xml").read_text()
    )


def test_security_token_is_required_unless_the_knob_says_trusted_ip(enabled: Emulator) -> None:
    assert _login(enabled, password=enabled.password).status_code == 500
    enabled.org.options.set("soap.security_token_required", False)
    assert _login(enabled, password=enabled.password).status_code == 200


def test_entity_declarations_are_refused_and_credentials_not_logged(enabled: Emulator) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    reply = requests.post(f"{enabled.base_url}/services/Soap/u/62.0", data=bomb, timeout=TIMEOUT)
    assert reply.status_code == 500 and _text(reply.content, "exceptionCode") == "INVALID_LOGIN"
    _login(enabled)
    logged = [e for e in enabled.org.request_log.entries() if "/Soap/" in e.path]
    assert logged and all(e.body == "<redacted>" for e in logged)
    assert not any(re.search(enabled.password, str(e)) for e in enabled.org.request_log.entries())
