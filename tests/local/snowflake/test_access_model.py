"""The pure access model: hierarchy, ownership, grants, future grants, managed access."""

from __future__ import annotations

import pytest

from lht.local.snowflake.access_checks import (
    Principal,
    check_account,
    check_create,
    check_future_grant,
    check_grant,
    check_grant_role,
    check_privilege,
    check_procedure_bindings,
    check_use_role,
)
from lht.local.snowflake.access_model import AccessState
from lht.local.snowflake.access_store import dump, load
from lht.local.snowflake.access_types import ACCOUNT, Ref, expand

DB = Ref("DATABASE", "LHT")
SCHEMA = Ref("SCHEMA", "LHT.LHT")
RUNS = Ref("TABLE", "LHT.LHT.SYNC_RUNS")
STATUS = Ref("VIEW", "LHT.LHT.SYNC_STATUS")
SECRET = Ref("SECRET", "LHT.LHT.SALESFORCE_OAUTH")
PROC = Ref("PROCEDURE", "LHT.LHT.SYNC_SOBJECT(VARCHAR, VARCHAR, VARCHAR)")


def _lht_roles() -> AccessState:
    """setup.sql section 1 as ACCOUNTADMIN: the two roles, hierarchy, database owned by admin."""
    s = AccessState("ACME", first_user="JANE")
    s.create_role("LHT_ADMIN", owner="ACCOUNTADMIN")
    s.create_role("LHT_OPERATOR", owner="ACCOUNTADMIN")
    s.grant_role("LHT_OPERATOR", "LHT_ADMIN", by="ACCOUNTADMIN")
    s.grant_role("LHT_ADMIN", "SYSADMIN", by="ACCOUNTADMIN")
    s.grant_role_to_user("LHT_ADMIN", "JANE", by="ACCOUNTADMIN")
    s.created(DB, "ACCOUNTADMIN")
    s.set_owner(DB, "LHT_ADMIN")
    s.created(SCHEMA, "LHT_ADMIN")
    return s


ADMIN = Principal("JANE", "LHT_ADMIN")
OPERATOR = Principal("JANE", "LHT_OPERATOR")
ROOT = Principal("JANE", "ACCOUNTADMIN")


def test_closure_system_hierarchy_accountadmin_inherits_sysadmin_and_lht_roles() -> None:
    s = _lht_roles()
    assert {"SYSADMIN", "SECURITYADMIN", "USERADMIN", "LHT_ADMIN", "LHT_OPERATOR", "PUBLIC"} <= (
        s.closure("ACCOUNTADMIN")
    )
    assert s.closure("LHT_OPERATOR") == {"LHT_OPERATOR", "PUBLIC"}
    assert "LHT_ADMIN" not in s.closure("SECURITYADMIN")


def test_use_role_only_granted_roles_and_those_below() -> None:
    s = _lht_roles()
    assert check_use_role(s, "JANE", "LHT_OPERATOR") is None  # below LHT_ADMIN
    s.create_role("OTHER", owner="ACCOUNTADMIN")
    s.create_user("BOB", owner="USERADMIN")
    denial = check_use_role(s, "BOB", "LHT_ADMIN")
    assert denial is not None and (denial.errno, denial.sqlstate) == (3013, "42501")
    assert "Requested role 'LHT_ADMIN' is not assigned to the executing user." in denial.message
    assert check_use_role(s, "BOB", "PUBLIC") is None


def test_unrecorded_objects_belong_to_accountadmin() -> None:
    s = AccessState("ACME", first_user="JANE")
    t = Ref("TABLE", "LHT_LOCAL.LHT.T")
    assert check_privilege(s, ROOT, t, "SELECT") is None
    s.create_role("R", owner="ACCOUNTADMIN")
    s.grant_role_to_user("R", "JANE", by="ACCOUNTADMIN")
    denial = check_privilege(s, Principal("JANE", "R"), t, "SELECT")
    assert denial is not None
    assert denial.message.endswith("Database 'LHT_LOCAL' does not exist or not authorized.")


def test_select_needs_privilege_on_database_schema_and_table() -> None:
    s = _lht_roles()
    s.created(RUNS, "LHT_ADMIN")
    denial = check_privilege(s, OPERATOR, RUNS, "SELECT")
    assert denial is not None and "Database 'LHT'" in denial.message
    s.grant("USAGE", DB, "LHT_OPERATOR", by="LHT_ADMIN")
    denial = check_privilege(s, OPERATOR, RUNS, "SELECT")
    assert denial is not None and "Schema 'LHT.LHT' does not exist" in denial.message
    s.grant("USAGE", SCHEMA, "LHT_OPERATOR", by="LHT_ADMIN")
    denial = check_privilege(s, OPERATOR, RUNS, "SELECT")
    assert denial is not None
    assert (denial.errno, denial.sqlstate) == (2003, "42S02")
    assert "Object 'LHT.LHT.SYNC_RUNS' does not exist or not authorized." in denial.message
    s.grant("SELECT", RUNS, "LHT_OPERATOR", by="LHT_ADMIN")
    assert check_privilege(s, OPERATOR, RUNS, "SELECT") is None
    denial = check_privilege(s, OPERATOR, RUNS, "INSERT")
    assert denial is not None and (denial.errno, denial.sqlstate) == (3001, "42501")
    assert denial.message == (
        "SQL access control error:\nInsufficient privileges to operate on table 'SYNC_RUNS'."
    )


def test_owner_role_and_roles_above_hold_every_privilege() -> None:
    s = _lht_roles()
    s.created(RUNS, "LHT_ADMIN")
    assert check_privilege(s, ADMIN, RUNS, "DELETE") is None
    assert check_privilege(s, Principal("JANE", "SYSADMIN"), RUNS, "OWNERSHIP") is None
    assert check_privilege(s, OPERATOR, RUNS, "OWNERSHIP") is not None


def test_create_needs_create_privilege_on_schema_or_ownership() -> None:
    s = _lht_roles()
    assert check_create(s, ADMIN, RUNS) is None  # owns the schema
    s.grant("USAGE", DB, "LHT_OPERATOR", by="LHT_ADMIN")
    s.grant("USAGE", SCHEMA, "LHT_OPERATOR", by="LHT_ADMIN")
    denial = check_create(s, OPERATOR, PROC)
    assert denial is not None
    assert (
        "Insufficient privileges to operate on schema 'LHT'. Your primary role LHT_OPERATOR "
        "must have CREATE PROCEDURE granted on SCHEMA LHT.LHT." in denial.message
    )
    s.grant("CREATE PROCEDURE", SCHEMA, "LHT_OPERATOR", by="LHT_ADMIN")
    assert check_create(s, OPERATOR, PROC) is None
    s.created(PROC, "LHT_ADMIN")
    denial = check_create(s, OPERATOR, PROC, replaces=True)  # OR REPLACE needs ownership too
    assert denial is not None and "procedure 'SYNC_SOBJECT'" in denial.message


def test_create_schema_needs_create_schema_on_database() -> None:
    s = _lht_roles()
    raw = Ref("SCHEMA", "LHT.RAW")
    assert check_create(s, ADMIN, raw) is None
    assert check_create(s, OPERATOR, raw) is not None
    assert check_create(s, Principal("JANE", "LHT_ADMIN"), Ref("DATABASE", "X")) is not None
    assert check_create(s, Principal("JANE", "SYSADMIN"), Ref("DATABASE", "X")) is None


def test_secondary_roles_count_except_for_create() -> None:
    s = _lht_roles()
    s.created(RUNS, "LHT_ADMIN")
    both = Principal("JANE", "LHT_OPERATOR", secondary_all=True)
    assert check_privilege(s, both, RUNS, "SELECT") is None
    assert check_create(s, both, Ref("TABLE", "LHT.LHT.NEW")) is not None


def test_future_grant_in_regular_schema_needs_manage_grants_even_for_owner() -> None:
    """The original setup.sql blocker: LHT_ADMIN owns LHT.LHT but has no MANAGE GRANTS."""
    s = _lht_roles()
    denial = check_future_grant(s, ADMIN, SCHEMA)
    assert denial is not None and denial.errno == 3001
    assert denial.message.endswith("Insufficient privileges to operate on schema 'LHT'.")
    assert check_future_grant(s, ROOT, SCHEMA) is None  # SECURITYADMIN's MANAGE GRANTS
    assert check_future_grant(s, ADMIN, DB) is not None


def test_future_grant_in_managed_schema_allowed_for_its_owner_only() -> None:
    s = _lht_roles()
    s.managed.add(SCHEMA.name)
    assert check_future_grant(s, ADMIN, SCHEMA) is None
    s.grant("USAGE", DB, "LHT_OPERATOR", by="LHT_ADMIN")
    s.grant("USAGE", SCHEMA, "LHT_OPERATOR", by="LHT_ADMIN")
    assert check_future_grant(s, OPERATOR, SCHEMA) is not None
    assert check_future_grant(s, ADMIN, DB) is not None  # database level: MANAGE GRANTS only


def test_managed_schema_object_owner_cannot_grant() -> None:
    s = _lht_roles()
    s.grant("USAGE", DB, "OTHER", by="LHT_ADMIN")
    s.create_role("OWNER2", owner="ACCOUNTADMIN")
    s.grant_role_to_user("OWNER2", "JANE", by="ACCOUNTADMIN")
    s.grant("USAGE", DB, "OWNER2", by="LHT_ADMIN")
    s.grant("USAGE", SCHEMA, "OWNER2", by="LHT_ADMIN")
    t = Ref("TABLE", "LHT.LHT.OWNED_BY_2")
    s.created(t, "OWNER2")
    owner2 = Principal("JANE", "OWNER2")
    assert check_grant(s, owner2, t, "SELECT") is None
    s.managed.add(SCHEMA.name)
    assert check_grant(s, owner2, t, "SELECT") is not None
    assert check_grant(s, ADMIN, t, "SELECT") is None  # the schema owner


def test_grant_needs_ownership_or_grant_option() -> None:
    s = _lht_roles()
    s.created(RUNS, "LHT_ADMIN")
    for ref in (DB, SCHEMA):
        s.grant("USAGE", ref, "LHT_OPERATOR", by="LHT_ADMIN")
    s.grant("SELECT", RUNS, "LHT_OPERATOR", by="LHT_ADMIN")
    assert check_grant(s, OPERATOR, RUNS, "SELECT") is not None
    s.grant("SELECT", RUNS, "LHT_OPERATOR", by="LHT_ADMIN", grant_option=True)
    assert check_grant(s, OPERATOR, RUNS, "SELECT") is None
    assert check_grant(s, OPERATOR, RUNS, "INSERT") is not None


def test_account_privileges_granted_only_with_manage_grants() -> None:
    s = _lht_roles()
    account = Ref(ACCOUNT, "ACME")
    denial = check_grant(s, ADMIN, account, "EXECUTE TASK")
    assert denial is not None and "account 'ACME'" in denial.message
    assert check_grant(s, ROOT, account, "EXECUTE TASK") is None
    assert check_account(s, ADMIN, "EXECUTE TASK") is not None
    s.grant("EXECUTE TASK", account, "LHT_ADMIN", by="ACCOUNTADMIN")
    assert check_account(s, ADMIN, "EXECUTE TASK") is None


def test_grant_role_needs_role_ownership_or_manage_grants() -> None:
    s = _lht_roles()
    assert check_grant_role(s, ROOT, "LHT_OPERATOR") is None
    assert check_grant_role(s, ADMIN, "LHT_OPERATOR") is not None
    denial = check_grant_role(s, ROOT, "NOPE")
    assert denial is not None and "Role 'NOPE' does not exist" in denial.message


def test_future_grants_applied_schema_level_takes_precedence() -> None:
    s = _lht_roles()
    s.grant_future("SELECT", "TABLE", DB, "DB_READER")
    s.grant_future("SELECT", "TABLE", SCHEMA, "SCHEMA_READER")
    s.created(Ref("SCHEMA", "LHT.RAW"), "LHT_ADMIN")
    in_lht = Ref("TABLE", "LHT.LHT.T1")
    in_raw = Ref("TABLE", "LHT.RAW.T2")
    s.created(in_lht, "LHT_ADMIN")
    s.created(in_raw, "LHT_ADMIN")
    assert s.has(frozenset({"SCHEMA_READER"}), "SELECT", in_lht)
    assert not s.has(frozenset({"DB_READER"}), "SELECT", in_lht)  # ignored: schema level wins
    assert s.has(frozenset({"DB_READER"}), "SELECT", in_raw)


def test_future_grants_are_per_object_type_and_schema_futures_apply_to_new_schemas() -> None:
    s = _lht_roles()
    s.grant_future("USAGE", "SCHEMA", DB, "LHT_OPERATOR")
    s.grant_future("SELECT", "VIEW", SCHEMA, "LHT_OPERATOR")
    s.grant_future("SELECT", "TABLE", DB, "LHT_OPERATOR")
    raw = Ref("SCHEMA", "LHT.RAW")
    s.created(raw, "LHT_ADMIN")
    view = Ref("VIEW", "LHT.LHT.SYNC_STATUS")
    table = Ref("TABLE", "LHT.LHT.NEW_TABLE")
    s.created(view, "LHT_ADMIN")
    s.created(table, "LHT_ADMIN")
    ops = s.closure("LHT_OPERATOR")
    assert s.has(ops, "USAGE", raw)
    assert s.has(ops, "SELECT", view)
    assert s.has(ops, "SELECT", table)  # a VIEW future grant in the schema does not hide TABLE


def test_future_ownership_grant_sets_the_owner() -> None:
    s = _lht_roles()
    s.grant_future("OWNERSHIP", "TABLE", SCHEMA, "LHT_OPERATOR")
    t = Ref("TABLE", "LHT.LHT.T")
    assert s.created(t, "LHT_ADMIN") == "LHT_OPERATOR"
    assert s.owner(t) == "LHT_OPERATOR"


def test_create_or_replace_copy_grants_keeps_grants_and_skips_futures_for_views() -> None:
    s = _lht_roles()
    s.created(STATUS, "LHT_ADMIN")
    s.grant("SELECT", STATUS, "A", by="LHT_ADMIN")
    s.grant_future("SELECT", "VIEW", SCHEMA, "B")
    s.created(STATUS, "LHT_ADMIN", copy_from=STATUS)
    assert s.has(frozenset({"A"}), "SELECT", STATUS)
    assert not s.has(frozenset({"B"}), "SELECT", STATUS)
    s.created(STATUS, "LHT_ADMIN")  # without COPY GRANTS: old grants gone, futures applied
    assert not s.has(frozenset({"A"}), "SELECT", STATUS)
    assert s.has(frozenset({"B"}), "SELECT", STATUS)


def test_procedures_inherit_future_grants_even_with_copy_grants() -> None:
    s = _lht_roles()
    s.grant_future("USAGE", "PROCEDURE", SCHEMA, "LHT_OPERATOR")
    s.created(PROC, "LHT_ADMIN")
    s.created(PROC, "LHT_ADMIN", copy_from=PROC)
    assert s.has(s.closure("LHT_OPERATOR"), "USAGE", PROC)


def test_procedure_bindings_need_read_on_secret_and_usage_on_integration() -> None:
    s = _lht_roles()
    s.created(SECRET, "LHT_ADMIN")
    integration = Ref("INTEGRATION", "LHT_SALESFORCE_ACCESS")
    s.created(integration, "ACCOUNTADMIN")
    denial = check_procedure_bindings(s, ADMIN, ["LHT_SALESFORCE_ACCESS"], [SECRET.name])
    assert denial is not None
    assert "Integration 'LHT_SALESFORCE_ACCESS' does not exist or not authorized." in (
        denial.message
    )
    s.grant("USAGE", integration, "LHT_ADMIN", by="ACCOUNTADMIN")
    assert check_procedure_bindings(s, ADMIN, ["LHT_SALESFORCE_ACCESS"], [SECRET.name]) is None
    s.grant("USAGE", DB, "LHT_OPERATOR", by="LHT_ADMIN")
    s.grant("USAGE", SCHEMA, "LHT_OPERATOR", by="LHT_ADMIN")
    denial = check_procedure_bindings(s, OPERATOR, [], [SECRET.name])
    assert denial is not None and "Secret 'LHT.LHT.SALESFORCE_OAUTH'" in denial.message


def test_drop_role_hands_its_objects_to_the_dropping_role() -> None:
    s = _lht_roles()
    s.created(RUNS, "LHT_ADMIN")
    s.drop_role("LHT_ADMIN", dropped_by="ACCOUNTADMIN")
    assert s.owner(RUNS) == "ACCOUNTADMIN"
    assert s.owner(DB) == "ACCOUNTADMIN"
    assert "LHT_ADMIN" not in s.roles


def test_drop_schema_forgets_everything_inside() -> None:
    s = _lht_roles()
    s.created(RUNS, "LHT_ADMIN")
    s.grant("SELECT", RUNS, "LHT_OPERATOR", by="LHT_ADMIN")
    s.grant_future("SELECT", "VIEW", SCHEMA, "LHT_OPERATOR")
    s.forget_within(SCHEMA)
    assert s.owner(RUNS) == "ACCOUNTADMIN"
    assert not s.has(s.closure("LHT_OPERATOR"), "SELECT", RUNS)
    assert s.future_in(SCHEMA) == []


def test_json_round_trip_keeps_everything() -> None:
    s = _lht_roles()
    s.created(RUNS, "LHT_ADMIN")
    s.grant("SELECT", RUNS, "LHT_OPERATOR", by="LHT_ADMIN", grant_option=True)
    s.grant_future("SELECT", "VIEW", SCHEMA, "LHT_OPERATOR")
    s.managed.add(SCHEMA.name)
    back = load(dump(s))
    assert dump(back) == dump(s)
    assert back.has(back.closure("LHT_ADMIN"), "SELECT", RUNS)
    assert back.closure("ACCOUNTADMIN") == s.closure("ACCOUNTADMIN")


@pytest.mark.parametrize(("kind", "expected"), [("TABLE", "DELETE"), ("SECRET", "READ")])
def test_expand_all_privileges(kind: str, expected: str) -> None:
    assert expected in expand(["ALL PRIVILEGES"], kind)
    assert expand(["select"], kind) == ["SELECT"]
