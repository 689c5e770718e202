"""The deposit package, built from the hostile fixture: real frictionless validation, the DDI
against the official DDI-Codebook 2.5 XSD, no identifier left anywhere, the log holding them,
consent, k-anonymity on the written file, and a byte-identical zip."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from lpip.archive.package import build_deposit
from lpip.errors import InvalidDeposit, UnknownWorkshop

from hostile import CONSENTED_STATEMENT, FORBIDDEN, HOSTILE_NOTES, REFUSED_STATEMENT

XSD = Path(__file__).resolve().parents[1] / "data" / "ddi_codebook_2_5" / "codebook.xsd"
CORE_FILES = ["data/codes.csv", "data/coding.csv", "data/contributions.csv", "data/dots.csv", "data/participants.csv",
              "data/rounds.csv", "data/themes.csv", "data/votes.csv", "data/workshops.csv"]


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def every_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())


def found(needle: str, text: str) -> bool:
    return re.search(rf"(?<![\w@.]){re.escape(needle)}(?![\w@])", text, re.I) is not None


@pytest.fixture
def package(session, hostile, tmp_path):
    result = build_deposit(session, tmp_path / "deposit", [hostile.workshop_id], zip_package=True)
    return result


def test_the_layout_is_fixed_and_every_file_is_in_datapackage_and_manifest(package):
    folder = package.folder
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == sorted(CORE_FILES + ["datapackage.json", "metadata/ddi_codebook.xml", "docs/README.txt",
                                         "docs/data_dictionary.csv", "docs/data_dictionary.html",
                                         "docs/health_check.html", "LICENSE", "MANIFEST-sha256.txt"])
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert sorted(r["path"] for r in descriptor["resources"]) == CORE_FILES
    for key in ("name", "title", "description", "version", "licenses", "sources", "created", "keywords",
                "spatialCoverage", "temporalCoverage"):
        assert descriptor[key], key
    manifest = (folder / "MANIFEST-sha256.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(line.split("  ", 1)[1] for line in manifest) == [f for f in files if f != "MANIFEST-sha256.txt"]
    assert package.check.ok, [str(p) for p in package.check.problems]


def test_frictionless_validates_the_package(package):
    from frictionless import Package

    report = Package(str(package.folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "message"])
    resource = Package(str(package.folder / "datapackage.json")).get_resource("votes")
    assert [f.name for f in resource.schema.fields] == ["contribution_id", "participant_id", "vote"]
    assert resource.schema.foreign_keys[1]["reference"]["resource"] == "participants"


def test_the_ddi_codebook_is_valid_against_the_official_xsd(package):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.parse(str(package.folder / "metadata" / "ddi_codebook.xml"))
    assert schema.validate(document), [e.message for e in schema.error_log][:5]
    ns = {"d": "ddi:codebook:2_5"}
    assert len(document.findall("d:fileDscr", ns)) == len(CORE_FILES)
    names = [v.get("name") for v in document.findall("d:dataDscr/d:var", ns)]
    participants = read_csv(package.folder / "data" / "participants.csv")
    assert [n for n in names if n in participants[0]] and "vote" in names
    vote = next(v for v in document.findall("d:dataDscr/d:var", ns) if v.get("name") == "vote")
    assert [c.findtext("d:labl", namespaces=ns) for c in vote.findall("d:catgry", ns)] == ["disagree", "pass", "agree"]
    geography = [g.text for g in document.findall(".//d:sumDscr/d:geogCover", ns)]
    assert any("TLG" in g for g in geography) and any("WM-BC" in g for g in geography)
    assert document.findtext(".//d:method/d:dataColl/d:collMode", namespaces=ns)


def test_no_identifier_of_the_hostile_fixture_survives_and_the_log_holds_them(package):
    text = every_text(package.folder)
    survivors = [needle for needle in FORBIDDEN if found(needle, text)]
    assert survivors == []
    with zipfile.ZipFile(package.zip) as archive:
        zipped = "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    assert [needle for needle in FORBIDDEN if found(needle, zipped)] == []
    log = read_csv(package.private / "anonymisation_log.csv")
    originals = " | ".join(row["original"] for row in log)
    for needle in ("Sue", "Harjit", "Kaur Foods", "Younis", "Sandwell Mosque", "07700 900123", "sue.patel@example.org",
                   "WHG", "B69 4AA", "QQ 12 34 56 C"):
        assert needle in originals, needle
    assert {row["file"] for row in log} == {"data/contributions.csv"}
    assert not (package.folder / "anonymisation_log.csv").exists()


def test_labels_are_typed_and_consistent(package):
    notes = {row["text"] for row in read_csv(package.folder / "data" / "contributions.csv") if row["kind"] == "note"}
    assert len(notes) == len(HOSTILE_NOTES)
    assert "Call [person 1] on [phone] or [email]" in notes
    assert "[person 2] from [organisation: business] said the last bus to Oldbury leaves at 7pm" in notes
    assert "[person 3] at [organisation: faith group] offered the hall for evening classes" in notes
    assert "[person 1]'s team at [organisation: housing association] wants apprentices; ring [phone]" in notes


def test_only_consented_contributions_votes_and_dots_go_in(package, hostile, session):
    from sqlalchemy import func, select

    from lpip.workshops.models import Vote

    folder = package.folder
    contributions = read_csv(folder / "data" / "contributions.csv")
    texts = [row["text"] for row in contributions]
    assert CONSENTED_STATEMENT in texts and REFUSED_STATEMENT not in every_text(folder)
    votes = read_csv(folder / "data" / "votes.csv")
    statement = next(row["contribution_id"] for row in contributions if row["text"] == CONSENTED_STATEMENT)
    # Two consenting voters on the consented statement; the refused statement and refusers' votes are out.
    assert Counter((v["contribution_id"], v["vote"]) for v in votes) == {(statement, "1"): 2}
    voters = {v["participant_id"] for v in votes}
    walk_ins = {p["participant_id"] for p in read_csv(folder / "data" / "participants.csv") if p["kind"] == "walk-in"}
    assert voters == walk_ins and len(walk_ins) == len(hostile.consenting)
    total = session.scalar(select(func.count()).select_from(Vote))
    readme = (folder / "docs" / "README.txt").read_text(encoding="utf-8")
    assert f"{total - len(votes)} votes" in readme and "1 statements" in readme
    assert package.withheld["votes"] == total - len(votes) and package.withheld["phone participants"] == 2


def test_k_anonymity_holds_on_the_written_participants(package):
    rows = read_csv(package.folder / "data" / "participants.csv")
    groups = Counter((r["sector"], r["organisation_kind"], r["area_code"], r["role"]) for r in rows)
    assert min(groups.values()) >= 3 and package.k_achieved == min(groups.values())
    assert len(rows) == 13  # 11 consenting attendees and 2 consenting phone participants
    assert not {"name", "email", "organisation"} & set(rows[0])


def test_the_zip_is_byte_identical_across_builds(session, hostile, tmp_path, package):
    (tmp_path / "again").mkdir()
    again = build_deposit(session, tmp_path / "again" / "deposit", [hostile.workshop_id], zip_package=True)
    assert again.zip.read_bytes() == package.zip.read_bytes()
    with zipfile.ZipFile(package.zip) as archive:
        names = archive.namelist()
        assert names == sorted(names) and all(n.startswith("deposit/") for n in names)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert not any(".private" in n for n in names)


def test_the_readme_says_what_an_archive_asks(package):
    readme = (package.folder / "docs" / "README.txt").read_text(encoding="utf-8")
    for heading in ("STUDY", "METHODS", "DATES", "GEOGRAPHY", "WHO TOOK PART", "CONSENT",
                    "ANONYMISATION AND DISCLOSURE CONTROL", "FILES", "HOW TO CITE"):
        assert heading in readme
    assert "2023-06-14" in readme and "k = 3" in readme
    # 11 consenting attendees and 2 walk-ins: each sector has fewer than 3, so no small count is printed.
    sector_lines = [line for line in readme.splitlines() if line.startswith("  ") and ":" in line]
    assert sector_lines and all(line.endswith(("fewer than 3", "0")) or int(line.rsplit(": ", 1)[1]) >= 3
                                for line in sector_lines)


def test_open_and_safeguarded_licences(session, hostile, tmp_path):
    safeguarded = build_deposit(session, tmp_path / "s", [hostile.workshop_id], access="safeguarded")
    text = (safeguarded.folder / "LICENSE").read_text(encoding="utf-8")
    assert "End User Licence" in text and "safeguarded" in text
    descriptor = json.loads((safeguarded.folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "UKDS-EUL"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, InvalidDeposit, "--workshop ID"),
        ({"workshop_ids": [999]}, UnknownWorkshop, "999"),
        ({"k": 1, "all_workshops": True}, InvalidDeposit, "k must be a whole number"),
        ({"access": "public", "all_workshops": True}, InvalidDeposit, "open or safeguarded"),
        ({"workshop_ids": [1], "all_workshops": True}, InvalidDeposit, "not both"),
    ],
    ids=["no-workshops", "unknown", "k", "access", "both"],
)
def test_bad_requests_are_refused_and_write_nothing(session, hostile, tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        build_deposit(session, tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_demonstrations_and_foreign_folders_are_refused(session, tmp_path):
    from lpip.workshops.workshops import RoundSpec, create_workshop

    demo = create_workshop(session, "DEMONSTRATION (made-up data)", [RoundSpec("Q")], tables=2, is_demo=True)
    with pytest.raises(InvalidDeposit, match="demonstration"):
        build_deposit(session, tmp_path / "out", [demo.id])
    with pytest.raises(InvalidDeposit, match="no workshops to deposit"):
        build_deposit(session, tmp_path / "out", all_workshops=True)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.docx").write_bytes(b"x")
    real = create_workshop(session, "Real", [RoundSpec("Q")], tables=2)
    with pytest.raises(InvalidDeposit, match="other files in it"):
        build_deposit(session, tmp_path / "busy", [real.id])
    assert (tmp_path / "busy" / "thesis.docx").exists()


def test_with_programme_fails_clearly_without_synthesis(session, hostile, tmp_path):
    import importlib.util

    if importlib.util.find_spec("lpip.synthesis") is not None:
        pytest.skip("lpip.synthesis is installed: the programme is tested with it")
    with pytest.raises(InvalidDeposit, match="lpip.synthesis"):
        build_deposit(session, tmp_path / "out", [hostile.workshop_id], with_programme=True)


def test_with_evidence_adds_the_data_pack_figures_with_sources(session, hostile, tmp_path):
    from sqlalchemy import select

    from lpip.evidence.models import IndicatorValue

    result = build_deposit(session, tmp_path / "out", [hostile.workshop_id], with_evidence=True)
    values = read_csv(result.folder / "evidence" / "indicator_values.csv")
    sources = {row["indicator_id"]: row for row in read_csv(result.folder / "evidence" / "sources.csv")}
    assert set(sources) == {row["indicator_id"] for row in values}
    from lpip.geography.models import AreaLink

    districts = set(session.scalars(select(AreaLink.child_code).where(AreaLink.parent_code == "WM-BC")))
    assert len(districts) == 4 and {row["areacd"] for row in values} == districts | {"WM-BC", "E92000001"}
    assert all(row["licence"] for row in sources.values())
    # A published district value is the database's value.
    published = [r for r in values if r["areacd"] == "E08000028" and r["status"] == "published"]
    assert len(published) > 10
    for row in published:
        stored = session.scalars(select(IndicatorValue.value).where(
            IndicatorValue.area_code == "E08000028", IndicatorValue.indicator_id == row["indicator_id"],
            IndicatorValue.period == row["period"])).one()
        assert float(row["value"]) == pytest.approx(stored)
    assert result.check.ok, [str(p) for p in result.check.problems]
