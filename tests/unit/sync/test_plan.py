from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sync_builders import NOW, account_describe, field, request, simple_type

from lht.errors import ConfigError
from lht.salesforce.describe import SObjectDescribe
from lht.sync.plan import PriorState, column_name, plan_sync, select_fields, type_family

WM = datetime(2024, 4, 30, 0, 0, 0)
PRIOR = PriorState("SystemModstamp", WM)


def existing(describe: SObjectDescribe | None = None) -> dict[str, str]:
    d = describe or account_describe()
    fields, _ = select_fields(d, (), ())
    return {column_name(f.name): simple_type(f) for f in fields}


def plan(req=None, describe=None, prior=PRIOR, cols="auto", now=NOW, *, types=None):
    d = describe or account_describe()
    columns = existing(d) if cols == "auto" else cols
    type_of = simple_type
    if types:  # column → type overrides of the type map
        type_of = lambda f: types.get(column_name(f.name)) or simple_type(f)  # noqa: E731
    return plan_sync(req or request(), d, prior, columns, now=now, type_of=type_of)


def test_plan_first_run_without_table_is_full_and_unbounded():
    p = plan(prior=PriorState(), cols=None)
    assert p.mode == "full"
    assert not p.table_exists
    assert "does not exist" in p.reason
    assert p.count_where is None
    assert "WHERE" not in p.soql
    assert p.new_watermark == datetime(2024, 5, 1, 12, 0, 0, 123000)


def test_plan_fields_exclude_compound_parents_and_base64():
    p = plan()
    assert "BillingAddress" not in p.soql
    assert "Logo__c" not in p.soql
    assert "BillingStreet" in p.soql
    assert set(p.excluded_fields) == {"BillingAddress", "Logo__c"}
    assert p.columns[0] == "ID"
    assert p.soql.startswith("SELECT Id, IsDeleted, Name, AnnualRevenue, BillingStreet,")


def test_plan_with_state_and_table_is_incremental_with_lookback_window():
    p = plan(req=request(lookback_seconds=600))
    assert p.mode == "incremental"
    assert p.window_from == WM - timedelta(seconds=600)
    assert p.window_to == datetime(2024, 5, 1, 12, 0, 0, 123000)
    assert p.count_where == (  # whole seconds: upper 12:00:00.123 ceils to 12:00:01
        "SystemModstamp >= 2024-04-29T23:50:00Z AND SystemModstamp < 2024-05-01T12:00:01Z"
    )
    assert p.soql.endswith("WHERE " + p.count_where)
    assert p.new_watermark == p.window_to  # the watermark keeps its milliseconds


def test_plan_window_literals_floor_the_lower_and_ceil_the_upper_bound():
    prior = PriorState("SystemModstamp", datetime(2024, 4, 30, 8, 15, 30, 999000))
    p = plan(req=request(lookback_seconds=0), prior=prior)

    assert p.window_from == datetime(2024, 4, 30, 8, 15, 30, 999000)
    assert p.count_where == (
        "SystemModstamp >= 2024-04-30T08:15:30Z AND SystemModstamp < 2024-05-01T12:00:01Z"
    )


def test_plan_incremental_window_never_moves_watermark_backwards():
    future = datetime(2024, 6, 1)
    p = plan(prior=PriorState("SystemModstamp", future))
    assert p.window_to == future
    assert p.new_watermark == future


def test_plan_force_full_sync_ignores_state():
    p = plan(req=request(force_full_sync=True))
    assert p.mode == "full"
    assert "force_full_sync" in p.reason
    assert p.count_where is None


def test_plan_missing_watermark_is_full():
    p = plan(prior=PriorState())
    assert p.mode == "full"
    assert "no stored watermark" in p.reason


def test_plan_changed_watermark_field_is_full():
    p = plan(prior=PriorState("LastModifiedDate", WM))
    assert p.mode == "full"
    assert "LastModifiedDate" in p.reason


def test_plan_object_without_datetime_fields_is_always_full_without_watermark():
    d = account_describe(watermark=False)
    p = plan(describe=d, prior=PriorState())
    assert p.mode == "full"
    assert p.watermark_field is None
    assert p.new_watermark is None


def test_plan_watermark_falls_back_to_created_date():
    d = replace(
        account_describe(),
        fields=tuple(f for f in account_describe().fields if f.name != "SystemModstamp"),
    )
    p = plan(describe=d, prior=PriorState("CreatedDate", WM))
    assert p.mode == "incremental"
    assert "CreatedDate >= " in p.soql


def test_plan_where_clause_is_validated_and_combined():
    p = plan(req=request(where_clause="Name LIKE 'A%'"))
    assert p.count_where.startswith("(Name LIKE 'A%') AND SystemModstamp >= ")
    full = plan(req=request(where_clause="Name LIKE 'A%'", force_full_sync=True))
    assert full.count_where == "(Name LIKE 'A%')"
    assert any("where_clause" in w for w in full.warnings)


@pytest.mark.parametrize(
    "where",
    [
        "Name = 'x'; DELETE",
        "Name = 'x' -- c",
        "Id IN (SELECT Id FROM Contact)",
        "(Name = 'x'",
        "Name = 'x",
    ],
)
def test_plan_malformed_where_clause_raises_config_error(where):
    with pytest.raises(ConfigError):
        plan(req=request(where_clause=where))


def test_plan_include_fields_keeps_required_fields():
    p = plan(req=request(include_fields=("name",)))
    assert p.columns == ("ID", "ISDELETED", "NAME", "SYSTEMMODSTAMP")


def test_plan_exclude_fields_removes_them():
    p = plan(req=request(exclude_fields=("Name", "AnnualRevenue")))
    assert "NAME" not in p.columns and "ANNUALREVENUE" not in p.columns


@pytest.mark.parametrize("option", ["include_fields", "exclude_fields"])
def test_plan_unknown_field_raises_config_error_naming_it(option):
    with pytest.raises(ConfigError, match="Nope__c"):
        plan(req=request(**{option: ("Nope__c",)}))


@pytest.mark.parametrize("name", ["Id", "SystemModstamp", "IsDeleted"])
def test_plan_excluding_required_field_raises_config_error(name):
    with pytest.raises(ConfigError, match="required"):
        plan(req=request(exclude_fields=(name,)))


def test_plan_including_compound_parent_raises_config_error():
    with pytest.raises(ConfigError, match="compound"):
        plan(req=request(include_fields=("BillingAddress",)))


def test_plan_non_queryable_object_raises_config_error():
    d = replace(account_describe(), queryable=False)
    with pytest.raises(ConfigError, match="not queryable"):
        plan(describe=d)


def test_plan_new_salesforce_field_is_added_column():
    d = account_describe(field("Region__c"))
    p = plan(describe=d, cols=existing(account_describe()))
    assert [f.name for f in p.drift.add_columns] == ["Region__c"]
    assert any("REGION__C" in w for w in p.warnings)


def test_plan_removed_field_is_reported_not_dropped():
    cols = existing() | {"OLD__C": "VARCHAR"}
    p = plan(cols=cols)
    assert p.drift.removed_columns == ("OLD__C",)
    assert "OLD__C" not in p.columns
    assert any("OLD__C" in w for w in p.warnings)


def test_plan_type_change_is_reported_and_column_frozen_for_incremental():
    cols = existing() | {"NAME": "NUMBER(18,0)"}
    p = plan(cols=cols)
    assert [c.column for c in p.drift.type_changes] == ["NAME"]
    assert "NAME" not in p.load_columns
    assert any("not coerced" in w for w in p.warnings)
    full = plan(req=request(force_full_sync=True), cols=cols)
    assert "NAME" in full.load_columns


def test_plan_narrower_number_column_is_widened_not_a_type_change():
    wide = {"ANNUALREVENUE": "NUMBER(38,0)"}
    cols = existing() | {"ANNUALREVENUE": "NUMBER(18,0)"}

    p = plan(cols=cols, types=wide)

    assert p.drift.type_changes == ()
    assert [(c.column, c.existing, c.expected) for c in p.drift.widen_columns] == [
        ("ANNUALREVENUE", "NUMBER(18,0)", "NUMBER(38,0)")
    ]
    assert "ANNUALREVENUE" in p.load_columns
    assert any("widened from NUMBER(18,0) to NUMBER(38,0)" in w for w in p.warnings)
    assert plan(cols=existing() | wide, types=wide).drift.widen_columns == ()


def test_plan_same_family_types_are_not_a_change():
    cols = existing() | {"NAME": "TEXT", "ID": "VARCHAR(16777216)", "ANNUALREVENUE": "NUMBER(38,0)"}
    assert plan(cols=cols).drift.type_changes == ()


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("NUMBER(18,0)", "NUMBER(9, 0)", True),
        ("NUMBER(18,0)", "NUMBER(18,2)", False),
        ("DECIMAL(10,2)", "NUMBER(18,2)", True),
        ("VARCHAR(18)", "TEXT", True),
        ("BOOLEAN", "VARCHAR", False),
        ("TIMESTAMP_NTZ(3)", "TIMESTAMP_NTZ(9)", True),
        ("FLOAT", "DOUBLE", True),
        ("NUMBER", "NUMBER(38,0)", True),
    ],
)
def test_type_family_comparison(a, b, same):
    assert (type_family(a) == type_family(b)) is same


def test_plan_formula_fields_flagged_and_warned_on_incremental():
    p = plan()
    assert p.formula_fields == ("Score__c",)
    assert any("formula" in w for w in p.warnings)


def test_plan_match_field_defaults_to_id_case_insensitive():
    assert plan(req=request(match_field="ID")).match_column == "ID"


def test_plan_match_field_must_be_unique():
    with pytest.raises(ConfigError, match="not unique"):
        plan(req=request(match_field="Name"))
    d = account_describe(field("Ext__c", external_id=True))
    assert plan(req=request(match_field="ext__c"), describe=d).match_column == "EXT__C"


def test_plan_unknown_match_field_raises():
    with pytest.raises(ConfigError, match="match_field"):
        plan(req=request(match_field="Nope"))


def test_plan_naive_now_is_rejected():
    with pytest.raises(ConfigError):
        plan(now=datetime(2024, 1, 1))


def test_plan_is_pure_same_inputs_same_plan():
    assert plan() == plan()
