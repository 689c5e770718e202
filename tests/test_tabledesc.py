"""The one table description and its CSVW and Frictionless writers."""

from __future__ import annotations

import pytest

from lpip.tabledesc import Column, ForeignKey, TableDescription, to_csvw, to_resource, to_table_schema

VOTES = TableDescription(
    "votes", "Votes", "One vote per person and statement.", path="data/votes.csv",
    columns=(Column("statement", "string", "Statement", "Statement id", required=True),
             Column("vote", "integer", "Vote", "The vote", categories={"-1": "disagree", "0": "pass", "1": "agree"}),
             Column("share", "number", "Share", "A share", unit="proportion", minimum=0, maximum=1)),
    primary_key=("statement",), foreign_keys=(ForeignKey(("statement",), "statements", ("id",)),),
    licence="CC-BY-4.0", sources=("A workshop",), notes=("A note",), properties={"lpip:extra": "x"},
)


def test_table_schema_has_types_constraints_keys_and_missing_values():
    schema = to_table_schema(VOTES)
    assert [(f["name"], f["type"]) for f in schema["fields"]] == [("statement", "string"), ("vote", "integer"),
                                                                  ("share", "number")]
    assert schema["fields"][1]["constraints"] == {"enum": [-1, 0, 1]}
    assert schema["fields"][2]["constraints"] == {"minimum": 0, "maximum": 1}
    assert "Unit: proportion." in schema["fields"][2]["description"]
    assert schema["primaryKey"] == ["statement"] and schema["missingValues"] == [""]
    assert schema["foreignKeys"] == [{"fields": ["statement"], "reference": {"resource": "statements", "fields": ["id"]}}]


def test_the_frictionless_library_reads_the_schema_and_validates_a_file(tmp_path):
    from frictionless import Resource, Schema

    from dataclasses import replace

    alone = replace(VOTES, foreign_keys=()).with_columns(["statement", "vote"])
    Schema.from_descriptor(to_table_schema(alone))
    (tmp_path / "votes.csv").write_text("statement,vote\na,1\nb,-1\n", encoding="utf-8")
    resource = to_resource(alone)
    resource["path"] = "votes.csv"
    assert Resource(resource, basepath=str(tmp_path)).validate().valid
    (tmp_path / "votes.csv").write_text("statement,vote\na,1\na,7\n", encoding="utf-8")
    report = Resource(resource, basepath=str(tmp_path)).validate()
    assert not report.valid and {e.type for e in report.tasks[0].errors} >= {"constraint-error", "primary-key"}


def test_csvw_carries_the_same_description():
    document = to_csvw(VOTES)
    assert document["url"] == "data/votes.csv" and document["dc:license"] == "CC-BY-4.0"
    assert document["lpip:extra"] == "x" and document["rdfs:comment"] == ["A note"]
    columns = document["tableSchema"]["columns"]
    assert [c["datatype"] for c in columns] == ["string", "integer", {"base": "number", "minimum": 0, "maximum": 1}]
    assert columns[0]["required"] is True and columns[2]["lpip:unit"] == "proportion"
    assert document["tableSchema"]["primaryKey"] == ["statement"]


def test_unknown_types_are_refused():
    with pytest.raises(ValueError, match="not one of"):
        Column("x", "float")
