"""The Bulk render's column-wise fast path (`Org.csv_blocks` + `RowRenderer.lines`, vectorised
generator text) gives exactly the text of formatting each row's Python values (`RowRenderer.row`),
for every object and field, changed and inserted rows included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emulator import soql
from emulator.bulk.csvfmt import CsvDialect, RowRenderer
from emulator.bulk.query_work import column_types
from emulator.core.org import Org


@pytest.fixture(scope="module")
def org() -> Org:
    org = Org(seed=9, datasets={"Account": 3000, "Contact": 2500, "X__c": 2100})
    org.clock.freeze()
    org.clock.set(datetime(2025, 3, 1, tzinfo=UTC))
    org.mutate("Account", "update", count=50, values={"Name": 'He said "hi"', "Rating": None})
    org.mutate("Account", "delete", count=20)
    org.mutate("X__c", "insert", count=30)
    org.mutate("Contact", "hard_delete", count=10)
    return org


@pytest.mark.parametrize("null_quoted", [True, False])
@pytest.mark.parametrize(
    "sobject", ["Account", "Contact", "Opportunity", "Lead", "Case", "User", "X__c", "Campaign"]
)
def test_column_wise_render_equals_row_render(org: Org, sobject: str, null_quoted: bool) -> None:
    obj = org.object(sobject)
    fields = [f.name for f in obj.fields if f.type not in ("address", "location", "base64")]
    if sobject == "Contact":
        fields.append("Account.Name")
    query = soql.parse(f"SELECT {', '.join(fields)} FROM {sobject}", org.schema)
    renderer = RowRenderer(
        column_types(org.schema, obj, query.fields), CsvDialect("PIPE", "CRLF", null_quoted)
    )
    by_rows = list(renderer.rows(org.run_query(query, True)))
    by_columns = [
        line
        for block in org.csv_blocks(query, True, renderer.formats)
        for line in renderer.lines(block)
    ]
    assert by_columns == by_rows
