from __future__ import annotations

import pytest
from push_builders import cols, contact_describe, request

from lht.errors import ConfigError
from lht.push.plan import plan_push


def test_plan_push_insert_maps_columns_case_insensitively_to_api_names():
    plan = plan_push(request("insert"), contact_describe(), cols("LASTNAME:string", "EMAIL:string"))
    assert plan.header == ("LastName", "Email")
    assert plan.source_columns == ("LASTNAME", "EMAIL")
    assert plan.header_line == b"LastName,Email\n"
    assert plan.match_field is None
    assert plan.external_id_field is None


def test_plan_push_update_keys_on_id():
    plan = plan_push(request("UPDATE"), contact_describe(), cols("ID:string", "EMAIL:string"))
    assert plan.operation == "update"
    assert plan.match_field == "Id"
    assert plan.columns.match_index == 0


def test_plan_push_upsert_keys_on_external_id_field():
    plan = plan_push(
        request("upsert", external_id_field="ext_id__c"),
        contact_describe(),
        cols("LASTNAME:string", "EXT_ID__C:string"),
    )
    assert plan.external_id_field == "Ext_Id__c"
    assert plan.columns.match_index == 1


def test_plan_push_unknown_columns_are_all_named():
    with pytest.raises(ConfigError, match=r"unknown column NOPE.*unknown column ALSO_NOPE"):
        plan_push(request("insert"), contact_describe(), cols("NOPE:string", "ALSO_NOPE:integer"))


@pytest.mark.parametrize(
    ("operation", "column", "reason"),
    [
        ("insert", "CREATEDDATE:datetime", "not createable"),
        ("insert", "FULLNAME__C:string", "not createable"),
        ("update", "INSERTONLY__C:string", "not updateable"),
        ("insert", "ID:string", "not createable"),
        ("insert", "MAILINGADDRESS:string", "not createable"),
        ("insert", "PHOTO__C:binary", "not createable"),
    ],
)
def test_plan_push_read_only_fields_are_rejected(operation, column, reason):
    with pytest.raises(ConfigError, match=reason):
        plan_push(
            request(operation),
            contact_describe(),
            cols("ID:string", column)[1:] if operation == "insert" else cols("ID:string", column),
        )


@pytest.mark.parametrize(
    ("column", "ok"),
    [
        ("BIRTHDATE:date", True),
        ("BIRTHDATE:string", False),
        ("BIRTHDATE:datetime", False),
        ("LASTSEEN__C:datetime", True),
        ("LASTSEEN__C:date", True),
        ("LASTSEEN__C:string", False),
        ("HASOPTEDOUTOFEMAIL:boolean", True),
        ("HASOPTEDOUTOFEMAIL:string", False),
        ("NUMBEROFPETS__C:number", True),
        ("NUMBEROFPETS__C:float", True),
        ("NUMBEROFPETS__C:string", False),
        ("VISITS__C:integer", True),
        ("VISITS__C:number", False),
        ("LASTNAME:integer", True),
        ("LASTNAME:variant", False),
        ("LASTNAME:binary", False),
        ("ACCOUNTID:string", True),
        ("ACCOUNTID:integer", False),
    ],
)
def test_plan_push_type_compatibility(column, ok):
    if ok:
        plan_push(request("insert"), contact_describe(), cols(column))
    else:
        with pytest.raises(ConfigError, match="cannot be pushed to"):
            plan_push(request("insert"), contact_describe(), cols(column))


def test_plan_push_update_without_id_raises():
    with pytest.raises(ConfigError, match="needs column Id"):
        plan_push(request("update"), contact_describe(), cols("EMAIL:string"))


def test_plan_push_upsert_without_external_id_option_raises():
    with pytest.raises(ConfigError, match="external_id_field"):
        request("upsert")


def test_plan_push_upsert_external_id_column_missing_from_source_raises():
    with pytest.raises(ConfigError, match="needs column Ext_Id__c"):
        plan_push(
            request("upsert", external_id_field="Ext_Id__c"),
            contact_describe(),
            cols("LASTNAME:string"),
        )


@pytest.mark.parametrize(
    ("ext", "message"),
    [("Missing__c", "not a field of Contact"), ("Plain_Text__c", "not an external ID field")],
)
def test_plan_push_upsert_bad_external_id_field_raises(ext, message):
    with pytest.raises(ConfigError, match=message):
        plan_push(
            request("upsert", external_id_field=ext),
            contact_describe(),
            cols("LASTNAME:string", f"{ext.upper()}:string"),
        )


def test_plan_push_upsert_on_id_is_allowed():
    plan = plan_push(
        request("upsert", external_id_field="Id"),
        contact_describe(),
        cols("ID:string", "LASTNAME:string"),
    )
    assert plan.external_id_field == "Id"


@pytest.mark.parametrize("operation", ["delete", "hardDelete"])
def test_plan_push_delete_takes_only_id(operation):
    plan = plan_push(request(operation), contact_describe(), cols("ID:string"))
    assert plan.header == ("Id",)
    with pytest.raises(ConfigError, match="only an Id column"):
        plan_push(request(operation), contact_describe(), cols("ID:string", "LASTNAME:string"))


@pytest.mark.parametrize(
    ("operation", "flag"),
    [
        ("insert", "createable"),
        ("update", "updateable"),
        ("delete", "deletable"),
        ("upsert", "updateable"),
    ],
)
def test_plan_push_object_flags_are_checked(operation, flag):
    describe = contact_describe(**{flag: False})
    with pytest.raises(ConfigError, match=f"not {flag}"):
        plan_push(request(operation, external_id_field="Id"), describe, cols("ID:string"))


def test_plan_push_relationship_column_uses_relationship_name():
    plan = plan_push(
        request("insert"), contact_describe(), cols("LASTNAME:string", "account.Ext__c:string")
    )
    assert plan.header == ("LastName", "Account.Ext__c")


def test_plan_push_polymorphic_relationship_keeps_type_prefix():
    plan = plan_push(request("insert"), contact_describe(), cols("Account:account.Ext__c:string"))
    assert plan.header == ("Account:Account.Ext__c",)


@pytest.mark.parametrize("name", ["Nope.Ext__c", "Account.", "Account.A.B"])
def test_plan_push_bad_relationship_column_raises(name):
    with pytest.raises(ConfigError, match=name.split(".")[0]):
        plan_push(request("insert"), contact_describe(), cols(f"{name}:string"))


def test_plan_push_duplicate_field_columns_raise():
    with pytest.raises(ConfigError, match="both set LastName"):
        plan_push(request("insert"), contact_describe(), cols("LASTNAME:string", "lastname:string"))


def test_plan_push_only_changed_insert_without_key_raises():
    with pytest.raises(ConfigError, match="key_column"):
        plan_push(request("insert", only_changed=True), contact_describe(), cols("LASTNAME:string"))


def test_plan_push_only_changed_insert_with_key_column_keys_on_it():
    plan = plan_push(
        request("insert", only_changed=True, key_column="Ext_Id__c"),
        contact_describe(),
        cols("LASTNAME:string", "EXT_ID__C:string"),
    )
    assert plan.match_field == "Ext_Id__c"


def test_plan_push_key_column_must_be_pushed():
    with pytest.raises(ConfigError, match="needs key_column Ext_Id__c"):
        plan_push(
            request("insert", key_column="Ext_Id__c"), contact_describe(), cols("LASTNAME:string")
        )


def test_plan_push_order_by_must_be_a_source_column():
    plan = plan_push(
        request("insert", order_by="accountid"),
        contact_describe(),
        cols("LASTNAME:string", "ACCOUNTID:string"),
    )
    assert plan.columns.order_by == "ACCOUNTID"
    with pytest.raises(ConfigError, match="order_by column"):
        plan_push(request("insert", order_by="X"), contact_describe(), cols("LASTNAME:string"))


def test_plan_push_bad_source_raises_before_columns():
    with pytest.raises(ConfigError, match="single SELECT"):
        plan_push(
            request("insert", source="SELECT 1; DROP TABLE x"),
            contact_describe(),
            cols("LASTNAME:string"),
        )


def test_plan_push_no_columns_raises():
    with pytest.raises(ConfigError, match="no columns"):
        plan_push(request("insert"), contact_describe(), [])
