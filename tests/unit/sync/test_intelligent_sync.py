from __future__ import annotations

import pytest
from fakes import FakeSalesforce
from sync_builders import account_describe

from lht.errors import ConfigError
from lht.salesforce import intelligent_sync as legacy
from lht.salesforce.intelligent_sync import (
    IntelligentSync,
    client_from_access_info,
    credentials_from_access_info,
)


def test_credentials_from_access_info_accepts_instance_url_alias():
    creds = credentials_from_access_info(
        {"client_id": "id", "client_secret": "s", "instance_url": "https://x.my.salesforce.com"}
    )
    assert creds.login_url == "https://x.my.salesforce.com"


def test_client_from_access_info_token_and_instance_url_makes_non_refreshing_client():
    client = client_from_access_info(
        {"access_token": "t", "instance_url": "https://x.my.salesforce.com"}
    )
    assert client.instance_url == "https://x.my.salesforce.com"


def test_client_from_access_info_token_without_instance_url_is_config_error():
    with pytest.raises(ConfigError, match="instance_url"):
        client_from_access_info({"access_token": "t"})


def test_intelligent_sync_bad_access_info_returns_failure_not_raise():
    result = legacy.sync_sobject_intelligent(object(), {"access_token": "t"}, "Account", "raw", "t")
    assert result["success"] is False and "instance_url" in result["error"]
    assert result["sync_method"] == "failed"
    result = legacy.sync_sobject_intelligent(object(), {"login_url": "x"}, "Account", "raw", "t")
    assert result["success"] is False and "client_id" in result["error"]


def test_intelligent_sync_thresholds_flow_into_options(monkeypatch):
    seen = {}

    def fake_run(session, client, request, **kwargs):
        seen["request"], seen["kwargs"] = request, kwargs
        return {"success": True}

    monkeypatch.setattr(legacy, "run_sync", fake_run)
    sync = IntelligentSync(object(), {}, client=FakeSalesforce(account_describe(), []))
    sync.BULK_API_THRESHOLD, sync.STAGE_THRESHOLD = 10, 20
    sync.sync_sobject("Account", "raw", "t", force_full_sync=True, where_clause="Name != null")
    opts = seen["request"].options
    assert (opts.bulk_api_threshold, opts.stage_threshold) == (10, 20)
    assert opts.force_full_sync and opts.match_field == "ID"
    assert opts.where_clause == "Name != null"
    assert seen["kwargs"]["stage_name"] == "LHT.LHT_STAGE"


def test_intelligent_sync_unknown_option_returns_failure():
    sync = IntelligentSync(object(), {}, client=FakeSalesforce(account_describe(), []))
    result = sync.sync_sobject("Account", "raw", "t", bogus=1)
    assert result["success"] is False and "bogus" in result["error"]
