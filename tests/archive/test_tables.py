"""Every deposit table description is a valid Table Schema with its keys on its own columns."""

from __future__ import annotations

import pytest

from lpip.archive.tables import CORE_TABLES, EVIDENCE_TABLES, PROGRAMME_TABLES
from lpip.tabledesc import to_table_schema

ALL = CORE_TABLES + PROGRAMME_TABLES + EVIDENCE_TABLES


@pytest.mark.parametrize("table", ALL, ids=[t.name for t in ALL])
def test_each_description_is_a_valid_table_schema(table):
    from frictionless import Schema

    schema = Schema.from_descriptor(to_table_schema(table))
    assert [f.name for f in schema.fields] == table.column_names
    assert len(set(table.column_names)) == len(table.column_names)
    assert set(table.primary_key) <= set(table.column_names)
    assert all(set(k.fields) <= set(table.column_names) for k in table.foreign_keys)
    assert table.path.startswith(("data/", "evidence/")) and table.path.endswith(f"/{table.name}.csv")
    assert all(column.description for column in table.columns)


def test_foreign_keys_point_at_tables_and_columns_that_exist():
    by_name = {t.name: t for t in ALL}
    for table in ALL:
        for key in table.foreign_keys:
            assert set(key.reference_fields) <= set(by_name[key.resource].column_names), (table.name, key)
