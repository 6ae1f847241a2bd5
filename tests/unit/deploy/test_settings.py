"""lht.deploy.settings: what scripts/deploy renders sql/setup.sql with, validated."""

from __future__ import annotations

import pytest

from lht.deploy.settings import (
    SetupSettings,
    database_name,
    host_port,
    integration_name,
    network_hosts,
    user_name,
)
from lht.errors import ConfigError

BASE = {
    "LHT_WAREHOUSE": "compute_wh",
    "LHT_DEPLOY_USER": "jane",
    "SF_LOGIN_URL": "https://acme.my.salesforce.com/",
    "SF_CLIENT_ID": "3MVG9abc.DEF_123",
    "SF_CLIENT_SECRET": "A1B2C3D4E5",
}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ACME.my.salesforce.com", "acme.my.salesforce.com:443"),
        ("https://acme.my.salesforce.com/", "acme.my.salesforce.com:443"),
        ("https://acme.my.salesforce.com:8443", "acme.my.salesforce.com:8443"),
        ("http://127.0.0.1:54321", "127.0.0.1:54321"),
        ("http://localhost:8080/", "localhost:8080"),
        ("http://localhost", "localhost:80"),
    ],
)
def test_host_port_takes_host_and_explicit_or_default_port(url: str, expected: str) -> None:
    assert host_port(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "acme.my.salesforce.com",  # no scheme
        "ftp://acme.my.salesforce.com",
        "http://acme.my.salesforce.com",  # plain http off loopback
        "https://acme.my.salesforce.com/services/oauth2/token",  # a path
        "https://user:pw@acme.my.salesforce.com",
        "https://acme.my.salesforce.com?x=1",
        "https://acme.my.salesforce.com:99999",
        "https://acme'.my.salesforce.com",
        "https://",
    ],
)
def test_host_port_refuses_what_is_not_a_bare_https_origin(url: str) -> None:
    with pytest.raises(ConfigError):
        host_port(url)


def test_network_hosts_adds_the_instance_host_only_when_it_differs() -> None:
    assert network_hosts("https://a.my.salesforce.com", "https://a.my.salesforce.com/") == (
        "a.my.salesforce.com:443",
    )
    assert network_hosts("https://a.my.salesforce.com", "https://b.my.salesforce.com") == (
        "a.my.salesforce.com:443",
        "b.my.salesforce.com:443",
    )


def test_user_name_upper_cases_plain_identifiers_and_keeps_email_names() -> None:
    assert user_name("jane") == "JANE"
    assert user_name("jane.doe@acme.com") == "jane.doe@acme.com"
    for bad in ('ja"ne', "ja'ne", "", "x\ny"):
        with pytest.raises(ConfigError):
            user_name(bad)


def test_integration_name_is_per_database() -> None:
    assert integration_name("lht_dev") == "LHT_DEV_SALESFORCE_ACCESS"
    with pytest.raises(ConfigError):
        integration_name("LHT-DEV")


def test_setup_settings_from_environ_renders_the_template_variables() -> None:
    settings = SetupSettings.from_environ({**BASE, "SF_INSTANCE_URL": "https://eu5.salesforce.com"})

    assert settings.template_variables() == {
        "database": "LHT",
        "warehouse": "COMPUTE_WH",
        "deploy_user": "JANE",
        "sf_login_url": "https://acme.my.salesforce.com",
        "sf_network_hosts": "'acme.my.salesforce.com:443', 'eu5.salesforce.com:443'",
    }
    assert "A1B2C3D4E5" not in repr(settings) and "3MVG9" not in repr(settings)


def test_setup_settings_reads_the_older_my_domain_setting() -> None:
    env = {k: v for k, v in BASE.items() if k != "SF_LOGIN_URL"}
    settings = SetupSettings.from_environ({**env, "SF_MY_DOMAIN": "acme--uat.sandbox"})

    assert settings.login_url == "https://acme--uat.sandbox.my.salesforce.com"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"LHT_WAREHOUSE": ""}, "LHT_WAREHOUSE"),
        ({"LHT_DEPLOY_USER": ""}, "LHT_DEPLOY_USER"),
        ({"SF_LOGIN_URL": ""}, "SF_LOGIN_URL"),
        ({"SF_CLIENT_SECRET": ""}, "SF_CLIENT_SECRET"),
        ({"SF_CLIENT_SECRET": "abc'; DROP"}, "SF_CLIENT_SECRET"),
        ({"SF_CLIENT_ID": 'x"y'}, "SF_CLIENT_ID"),
        ({"LHT_DATABASE": "LHT;DROP"}, "LHT_DATABASE"),
        ({"LHT_WAREHOUSE": "WH X"}, "LHT_WAREHOUSE"),
        ({"SF_INSTANCE_URL": "http://eu5.salesforce.com"}, "instance URL"),
    ],
)
def test_setup_settings_name_the_bad_setting_without_showing_secrets(
    change: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        SetupSettings.from_environ({**BASE, **change})

    assert "A1B2C3D4E5" not in str(info.value)
    assert "abc'" not in str(info.value)  # a bad secret is named, never shown


def test_database_name_defaults_to_lht() -> None:
    assert database_name({}) == "LHT"
    assert database_name({"LHT_DATABASE": "lht_dev"}) == "LHT_DEV"
