"""SOAP API `login()` (POST /services/Soap/u/{version}) as Salesforce has it today, and SOAP faults.

Salesforce Help "Platform SOAP API login() Retirement" (article 005132110): login() is supported in
API versions 31.0 through 64.0 until its retirement in Summer '27, is not available from 65.0, and
is disabled by default in newly created orgs until an admin enables it (knob `soap.login_enabled`,
default off like a new org). The fault texts for those two cases are the ones clients quote
(forcedotcom/wsc#363 for 65.0, OpenFn/adaptors#1715 for a disabled org); INVALID_LOGIN is the
recorded LoginFault (simple-salesforce's test fixture). Retired versions answer
UNSUPPORTED_API_VERSION ("SOAP API End-of-Life Policy": "SOAP API returns 500").
"""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from emulator.core.auth import ORG_ID_15
from emulator.core.ids import make_id, to_18
from emulator.core.options import register_option
from emulator.http import Request, Response
from emulator.oauth import base_url
from emulator.routing import Router

if TYPE_CHECKING:
    from emulator.core.org import Org

register_option(
    "soap.login_enabled",
    False,
    "SOAP API login() enabled in this org (off: the default in orgs created since 2025).",
)
register_option(
    "soap.security_token_required",
    True,
    "login() needs the password followed by the user's security token (off: a trusted IP range).",
)
FIRST_VERSION, LAST_VERSION = 31.0, 64.0  # Help article 005132110
SOAP_CLIENT = "soap:"  # token subject prefix: the session was opened by login()
ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" {ns}'
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}'
    "</soapenv:Body></soapenv:Envelope>"
)
XML_TYPE = "text/xml;charset=UTF-8"
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def fault(code: str, message: str, fault_type: str = "UnexpectedErrorFault") -> Response:
    """A SOAP fault as Salesforce sends it: HTTP 500, faultcode, `sf:` detail with the code."""
    text = escape(message)
    body = (
        f"<soapenv:Fault><faultcode>{code}</faultcode><faultstring>{code}: {text}</faultstring>"
        f'<detail><sf:{fault_type} xsi:type="sf:{fault_type}">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{text}</sf:exceptionMessage></sf:{fault_type}></detail>"
        "</soapenv:Fault>"
    )
    xml = ENVELOPE.format(ns='xmlns:sf="urn:fault.partner.soap.sforce.com" ', body=body)
    return Response(status=500, headers={"Content-Type": XML_TYPE}, body=xml.encode())


def _credentials(body: bytes) -> tuple[str, str] | None:
    """(username, password) of a login request, namespace prefixes ignored; None if malformed."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        return None  # no entity expansion from request bodies
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "login":
            values = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in element}
            if "username" in values and "password" in values:
                return values["username"], values["password"]
    return None


def _password_ok(org: Org, username: str, sent: str) -> bool:
    expected = org.auth.users.get(username)
    if expected is None:
        return False
    with_token = expected + org.auth.security_token
    if hmac.compare_digest(sent, with_token):
        return True
    return not org.options["soap.security_token_required"] and hmac.compare_digest(sent, expected)


def _login_result(org: Org, version: str, session_id: str, username: str) -> str:
    user = org.data("User").record(0, ["Id", "Name", "Email"])
    organization = org.data("Organization").record(0, ["Name", "IsSandbox"])
    base = base_url(org)
    ttl = int(float(org.options["auth.token_ttl_seconds"]))
    info = {
        "accessibilityMode": "false",
        "currencySymbol": "$",
        "orgAttachmentFileSizeLimit": "5242880",
        "orgDefaultCurrencyIsoCode": "USD",
        "orgDisallowHtmlAttachments": "false",
        "orgHasPersonAccounts": "false",
        "organizationId": to_18(ORG_ID_15),
        "organizationMultiCurrency": "false",
        "organizationName": str(organization["Name"]),
        "profileId": make_id("00e", 0),
        "roleId": None,
        "sessionSecondsValid": str(ttl),
        "userDefaultCurrencyIsoCode": None,
        "userEmail": str(user["Email"]),
        "userFullName": str(user["Name"]),
        "userId": str(user["Id"]),
        "userLanguage": "en_US",
        "userLocale": "en_US",
        "userName": username,
        "userTimeZone": "America/Los_Angeles",
        "userType": "Standard",
        "userUiSkin": "Theme3",
    }
    rendered = "".join(
        f'<{key} xsi:nil="true"/>' if value is None else f"<{key}>{escape(value)}</{key}>"
        for key, value in info.items()
    )
    sandbox = "true" if organization["IsSandbox"] else "false"
    return (
        "<loginResponse><result>"
        f"<metadataServerUrl>{base}/services/Soap/m/{version}/{ORG_ID_15}</metadataServerUrl>"
        f"<passwordExpired>false</passwordExpired><sandbox>{sandbox}</sandbox>"
        f"<serverUrl>{base}/services/Soap/u/{version}/{ORG_ID_15}</serverUrl>"
        f"<sessionId>{escape(session_id)}</sessionId><userId>{user['Id']}</userId>"
        f"<userInfo>{rendered}</userInfo></result></loginResponse>"
    )


def _refusal(org: Org, number: float, version: str) -> Response | None:
    if number < FIRST_VERSION or number > float(org.options["api.max_version"]):
        return fault("UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL")
    if number > LAST_VERSION:
        message = (
            f"The SOAP Login operation is not available in the API version specified ({version})."
            " Refer to the documentation for supported versions."
        )
        return fault("INVALID_OPERATION", message)
    if not org.options["soap.login_enabled"]:
        message = (
            "SOAP API login() is disabled by default in this org. Contact the org administrator "
            "to enable SOAP API login()."
        )
        return fault("INVALID_OPERATION", message)
    return None


def login(org: Org, req: Request, match: re.Match[str]) -> Response:
    version = match["ver"]
    refusal = _refusal(org, float(version), version)
    if refusal is not None:
        return refusal
    credentials = _credentials(req.body)
    if credentials is None:
        return fault("INVALID_LOGIN", INVALID_LOGIN, "LoginFault")  # nothing to authenticate
    username, password = credentials
    if not _password_ok(org, username, password):
        return fault("INVALID_LOGIN", INVALID_LOGIN, "LoginFault")
    session_id, _ = org.auth.issue("user:" + username, SOAP_CLIENT + "login", org.clock.now())
    body = ENVELOPE.format(
        ns='xmlns="urn:partner.soap.sforce.com" ',
        body=_login_result(org, version, session_id, username),
    )
    return Response(status=200, headers={"Content-Type": XML_TYPE}, body=body.encode())


def register(router: Router) -> None:
    router.add("POST", r"/services/Soap/u/(?P<ver>\d+\.\d+)", login, auth=False, charge=None)
