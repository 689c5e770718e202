"""The DDI-Codebook writer against the official DDI-Codebook 2.5 XML Schema."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lpip.archive.ddi import StudyInfo, ddi_codebook
from lpip.archive.tables import CORE_TABLES, PARTICIPANTS, VOTES_TABLE

XSD = Path(__file__).resolve().parents[1] / "data" / "ddi_codebook_2_5" / "codebook.xsd"
NS = {"d": "ddi:codebook:2_5"}


@pytest.fixture(scope="module")
def schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(XSD)))


def parse(xml: bytes):
    from lxml import etree

    return etree.fromstring(xml)


FULL = StudyInfo(
    "A study", "What it is", producers=[("Green, A", "University of Birmingham")], depositor="A steward",
    funder="UKRI", grant_number="X/1", keywords=["k1", "k2"], geography=["West Midlands (England, E12000005, ITL1 TLG)"],
    start="2023-04-18", end="2023-09-19", produced="2023-09-19", universe="People", data_collection="World cafe",
    sampling="Purposive", consent="Asked at registration", anonymisation="Names replaced", access="Open",
    citation="Green, A (2024). A study. UK Data Service.", software="lpip 0.1.0",
)


@pytest.mark.parametrize("study", [FULL, StudyInfo("Only a title", "And an abstract")], ids=["full", "minimal"])
def test_valid_against_the_official_schema(schema, study):
    files = [(table, pd.DataFrame(columns=table.column_names)) for table in CORE_TABLES]
    document = parse(ddi_codebook(study, files))
    assert schema.validate(document), [e.message for e in schema.error_log][:5]


def test_files_variables_categories_and_counts(schema):
    votes = pd.DataFrame({"contribution_id": ["C00001", "C00001"], "participant_id": ["P0001", "P0002"], "vote": [1, -1]})
    participants = pd.DataFrame({name: ["suppressed"] for name in PARTICIPANTS.column_names})
    document = parse(ddi_codebook(FULL, [(VOTES_TABLE, votes), (PARTICIPANTS, participants)]))
    assert schema.validate(document)
    files = document.findall("d:fileDscr", NS)
    assert [f.get("URI") for f in files] == ["data/votes.csv", "data/participants.csv"]
    assert files[0].findtext("d:fileTxt/d:dimensns/d:caseQnty", namespaces=NS) == "2"
    assert files[0].findtext("d:fileTxt/d:dimensns/d:varQnty", namespaces=NS) == "3"
    variables = document.findall("d:dataDscr/d:var", NS)
    assert [v.get("name") for v in variables] == VOTES_TABLE.column_names + PARTICIPANTS.column_names
    assert {v.get("files") for v in variables[:3]} == {"F1"}
    sector = next(v for v in variables if v.get("name") == "sector")
    missing = [c for c in sector.findall("d:catgry", NS) if c.get("missing") == "Y"]
    assert [c.findtext("d:catValu", namespaces=NS) for c in missing] == ["suppressed"]
    assert document.findtext(".//d:citation/d:titlStmt/d:titl", namespaces=NS) == "A study"
    assert document.findtext(".//d:rspStmt/d:AuthEnty", namespaces=NS) == "Green, A"
    assert document.find(".//d:method/d:dataProcessing", NS).text == "Names replaced"
