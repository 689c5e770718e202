"""The health check finds what an archive would refuse, by name and place."""

from __future__ import annotations

import shutil

import pytest

from lpip.archive.anonymise import anonymiser_for
from lpip.archive.check import check_package
from lpip.archive.package import build_deposit, write_manifest
from lpip.errors import InvalidPackage


@pytest.fixture
def built(session, hostile, tmp_path):
    return build_deposit(session, tmp_path / "deposit", [hostile.workshop_id], zip_package=True)


def checks(result) -> set[str]:
    return {p.check for p in result.problems}


def test_a_fresh_package_and_its_zip_pass(session, built):
    scrub = anonymiser_for(session, use_ner=False).scrub
    assert check_package(built.folder, scrub).ok
    result = check_package(built.zip, scrub)
    assert result.ok and result.k == 3 and result.k_achieved >= 3
    assert any(w.check == "unknown names" for w in result.warnings)


def test_a_name_put_back_is_found_where_it_is(session, built):
    scrub = anonymiser_for(session, use_ner=False).scrub
    path = built.folder / "data" / "contributions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("[person 1] on [phone]", "Sue on 07700 900123"),
                    encoding="utf-8")
    result = check_package(built.folder, scrub)
    assert "direct identifiers" in checks(result) and "manifest" in checks(result)
    where = [p.where for p in result.problems if p.check == "direct identifiers"]
    assert where == ["data/contributions.csv, row 2, column text"]


def test_schema_duplicates_encoding_names_and_listing(session, built):
    folder = built.folder
    votes = folder / "data" / "votes.csv"
    lines = votes.read_text(encoding="utf-8").splitlines()
    votes.write_text("\n".join(lines + [lines[1], lines[1].rsplit(",", 1)[0] + ",7"]) + "\n", encoding="utf-8")
    (folder / "data" / "extra file.csv").write_text("a\n1\n", encoding="utf-8")
    (folder / "docs" / "README.txt").write_bytes("caf\xe9".encode("latin-1"))
    write_manifest(folder)
    result = check_package(folder, None)
    found = checks(result)
    assert {"schema", "duplicate rows", "encoding", "file names", "listed in datapackage.json"} <= found
    assert "manifest" not in found
    repeated = f"rows {len(lines) + 1} repeat"  # the header is row 1
    assert any(p.where == "data/votes.csv" and repeated in p.detail for p in result.problems if p.check == "duplicate rows")


def test_k_below_the_asked_k_is_a_problem(session, built):
    path = built.folder / "data" / "participants.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace("registration", "registration").split(",")
    rows[1][4] = "academic"
    rows[1] = ",".join(rows[1])
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = check_package(built.folder, None)
    assert "k-anonymity" in checks(result) and result.k_achieved < 3


def test_missing_files_and_bad_input(built, tmp_path):
    (built.folder / "LICENSE").unlink()
    shutil.rmtree(built.folder / "metadata")
    result = check_package(built.folder, None)
    assert {p.where for p in result.problems if p.check == "required files"} == {"LICENSE", "metadata/ddi_codebook.xml"}
    with pytest.raises(InvalidPackage, match="not found"):
        check_package(tmp_path / "nothing")
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(InvalidPackage, match="not a readable zip"):
        check_package(tmp_path / "bad.zip")


def test_evidence_tables_are_checked_for_contact_details_not_for_everyday_words(session, hostile, tmp_path):
    # The hostile workshop has an attendee called Owen Price; "house price" in a statistic's
    # unit is not him, but an email address in a source is a contact detail wherever it is.
    scrub = anonymiser_for(session, use_ner=False).scrub
    built = build_deposit(session, tmp_path / "deposit", [hostile.workshop_id], with_evidence=True)
    sources = built.folder / "evidence" / "sources.csv"
    assert "house price" in sources.read_text(encoding="utf-8")
    assert "direct identifiers" not in checks(check_package(built.folder, scrub))
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace("Office for National Statistics,", "owen.price@example.org,", 1), encoding="utf-8")
    where = [p.where for p in check_package(built.folder, scrub).problems if p.check == "direct identifiers"]
    assert len(where) == 1 and where[0].startswith("evidence/sources.csv, row ")
