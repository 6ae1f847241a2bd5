"""The authorizer on an in-memory catalog: procedures by overload, secrets bound with READ,
ownership kept by the catalog, the fast path, persistence of the state."""

from __future__ import annotations

import pytest

from lht.local.snowflake.access import AccessControl, authorize, control, ref_of
from lht.local.snowflake.catalog import Catalog, CatalogObject
from lht.local.snowflake.registry import Access, Registry, SessionState, Statement
from lht.local.snowflake.responses import SqlError


def _statement(catalog: Catalog, role: str, sql: str = "CALL LHT.LHT.P('x')") -> Statement:
    session = SessionState("t", "OPS", role, None, None, None)
    return Statement(sql, tuple(sql.split()[:2]), session, catalog, Registry(), None)


@pytest.fixture
def catalog() -> Catalog:
    cat = Catalog(None)
    ac = control(cat)
    for role in ("LHT_ADMIN", "LHT_OPERATOR"):
        ac.state.create_role(role, owner="ACCOUNTADMIN")
        ac.state.grant_role_to_user(role, "OPS", by="ACCOUNTADMIN")
    ac.state.created(ref_of("DATABASE", ("LHT",)), "LHT_ADMIN")
    ac.state.created(ref_of("SCHEMA", ("LHT", "LHT")), "LHT_ADMIN")
    for grantee in ("LHT_OPERATOR",):
        ac.state.grant("USAGE", ref_of("DATABASE", ("LHT",)), grantee, by="LHT_ADMIN")
        ac.state.grant("USAGE", ref_of("SCHEMA", ("LHT", "LHT")), grantee, by="LHT_ADMIN")
    for signature in ("(VARCHAR)", "(VARCHAR, OBJECT)"):
        cat.put(CatalogObject("PROCEDURE", "LHT", "LHT", "P", signature, owner="LHT_ADMIN"))
    cat.put(CatalogObject("SECRET", "LHT", "LHT", "CRED", owner="LHT_ADMIN"))
    return cat


def _refused(statement: Statement, access: Access) -> str:
    with pytest.raises(SqlError) as err:
        authorize(statement, access)
    return err.value.message


def test_call_needs_usage_on_an_overload(catalog: Catalog) -> None:
    call = Access("USAGE", "PROCEDURE", ("LHT", "LHT", "P"))
    assert "Procedure 'LHT.LHT.P' does not exist or not authorized." in _refused(
        _statement(catalog, "LHT_OPERATOR"), call
    )
    state = control(catalog).state
    state.grant("USAGE", ref_of("PROCEDURE", ("LHT", "LHT", "P"), "(VARCHAR)"), "LHT_OPERATOR",
                by="LHT_ADMIN")  # fmt: skip
    authorize(_statement(catalog, "LHT_OPERATOR"), call)
    authorize(_statement(catalog, "LHT_ADMIN"), call)  # the owner (catalog's owner column)


def test_binding_a_secret_needs_read_or_usage(catalog: Catalog) -> None:
    bind = Access("USAGE", "SECRET", ("LHT", "LHT", "CRED"))
    create = "CREATE PROCEDURE LHT.LHT.Q() RETURNS VARIANT"
    assert "Secret 'LHT.LHT.CRED' does not exist" in _refused(
        _statement(catalog, "LHT_OPERATOR", create), bind
    )
    state = control(catalog).state
    state.grant("READ", ref_of("SECRET", ("LHT", "LHT", "CRED")), "LHT_OPERATOR", by="LHT_ADMIN")
    authorize(_statement(catalog, "LHT_OPERATOR", create), bind)


def test_create_checks_the_primary_role_only(catalog: Catalog) -> None:
    statement = _statement(catalog, "LHT_OPERATOR", "CREATE SECRET LHT.LHT.S2 TYPE = X")
    statement.session.attributes["secondary_all"] = True  # OPS also holds LHT_ADMIN
    message = _refused(statement, Access("CREATE SECRET", "SCHEMA", ("LHT", "LHT")))
    assert "Your primary role LHT_OPERATOR must have CREATE SECRET granted on SCHEMA" in message


def test_state_survives_a_new_access_control_on_the_same_catalog(catalog: Catalog) -> None:
    ac = control(catalog)
    ac.state.grant("SELECT", ref_of("TABLE", ("LHT", "LHT", "T")), "LHT_OPERATOR", by="X")
    ac.save()
    again = AccessControl(catalog)
    assert again.state.has(
        frozenset({"LHT_OPERATOR"}), "SELECT", ref_of("TABLE", ("LHT", "LHT", "T"))
    )
    assert again.state.owner(ref_of("SECRET", ("LHT", "LHT", "CRED"))) == "LHT_ADMIN"


def test_the_fast_path_allows_accountadmin_while_no_custom_role_exists() -> None:
    cat = Catalog(None)
    assert control(cat).pristine
    authorize(_statement(cat, "ACCOUNTADMIN"), Access("OWNERSHIP", "SECRET", ("A", "B", "C")))
    control(cat).state.create_role("R", owner="ACCOUNTADMIN")
    assert not control(cat).pristine
