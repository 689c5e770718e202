"""`lpip coding`: codebook, rule and hand coding, coverage, agreement and themes from the command line.

The text is real (the pol.is comments in ../shared/data/polis). For the workshop tests those
comments are stored as a workshop's notes, with tables and sectors dealt out in turn (note i at
table i mod 4, sector i mod 3) only to give coverage something to split by.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lpip.db import make_engine, session_scope
from lpip.workshops.models import Contribution
from lpip.workshops.workshops import RoundSpec, create_workshop

POLIS_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
BG2050 = POLIS_DATA / "bg2050-volunteers"
SECTORS = ("public", "private", "resident")


@pytest.fixture
def bg2050() -> Path:
    if not BG2050.exists():
        pytest.skip(f"{BG2050} is not beside the repository")
    return BG2050


@pytest.fixture
def workshop(db_url, bg2050) -> int:
    texts = pd.read_csv(bg2050 / "comments.csv")["comment-body"].head(40).tolist()
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        created = create_workshop(session, "Coding CLI test", [RoundSpec("What should change?")], tables=4,
                                  subregion_code="WM-BC")
        session.add_all(
            Contribution(workshop_id=created.id, round_number=1, table_number=i % 4 + 1, kind="note",
                         text=text, sector=SECTORS[i % 3], source="import", client_id=f"cli-{i}")
            for i, text in enumerate(texts)
        )
        workshop_id = created.id
    engine.dispose()
    return workshop_id


def flat(result) -> str:
    # Rich wraps long lines at the terminal width; compare text with whitespace collapsed.
    return " ".join(result.output.split())


def test_codebook_show_export_and_import(cli, tmp_path):
    shown = cli("coding", "codebook", "show", "--format", "csv")
    assert shown.exit_code == 0, shown.output
    frame = pd.read_csv(pd.io.common.StringIO(shown.output))
    assert "Cross-cutting / partnership working" in set(frame["code"])

    qdc = tmp_path / "codes.qdc"
    assert cli("coding", "codebook", "export", str(qdc)).exit_code == 0
    assert 'xmlns="urn:QDA-XML:codebook:1.0"' in qdc.read_text(encoding="utf-8")

    csv_file = tmp_path / "french.csv"
    csv_file.write_text("name,parent,keywords\nÉconomie locale,,commerce*\nCafés,Économie locale,café\n", encoding="utf-8")
    imported = cli("coding", "codebook", "import", str(csv_file))
    assert imported.exit_code == 0, imported.output
    assert "2 code(s) added" in flat(imported)
    shown = cli("coding", "codebook", "show", "--format", "csv")
    assert "Économie locale / Cafés" in shown.output


def test_codebook_with_duplicate_names_is_refused(cli, tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("name\nFunding\nfunding\n", encoding="utf-8")
    result = cli("coding", "codebook", "import", str(path))
    assert result.exit_code == 2
    assert "Error:" in result.output and "'Funding' and 'funding'" in flat(result)
    assert "Traceback" not in result.output


def test_codebook_add_edit_remove(cli):
    assert cli("coding", "codebook", "add", "Économie locale", "--parent", "economy & productivity",
               "--keywords", "commerce*; café").exit_code == 0
    assert cli("coding", "codebook", "edit", "économie locale", "--name", "Économie du quartier").exit_code == 0
    shown = cli("coding", "codebook", "show", "--format", "csv").output
    assert "economy & productivity / Économie du quartier" in shown
    assert "Removed 1 code(s)" in cli("coding", "codebook", "remove", "Économie du quartier").output
    unknown = cli("coding", "codebook", "remove", "fundng")
    assert unknown.exit_code == 2 and "did you mean 'funding'" in flat(unknown)


def test_rule_coding_of_a_pol_is_export(cli, bg2050, tmp_path):
    out = tmp_path / "coded.csv"
    result = cli("coding", "code", "--rules", "--polis-dir", str(bg2050), "--out", str(out))
    assert result.exit_code == 0, result.output
    coded = pd.read_csv(out)
    assert list(coded.columns) == ["contribution_id", "coder", "code", "method", "matched"]
    assert coded["contribution_id"].nunique() == 316  # comments not moderated out
    assert f"{coded.dropna(subset=['code'])['contribution_id'].nunique()} of 316 contributions" in flat(result)


def test_code_without_a_method_says_what_to_do(cli):
    result = cli("coding", "code")
    assert result.exit_code == 2
    assert "--rules codes by keywords" in flat(result)


def test_rule_coding_and_coverage_of_a_workshop(cli, workshop):
    coded = cli("coding", "code", "--rules", "--workshop", str(workshop))
    assert coded.exit_code == 0, coded.output
    assert "on 40 contribution(s) by rules" in flat(coded)
    by_sector = cli("coding", "coverage", "--workshop", str(workshop), "--by", "sector", "--format", "csv")
    assert by_sector.exit_code == 0, by_sector.output
    table = pd.read_csv(pd.io.common.StringIO(by_sector.output)).set_index("code")
    assert list(table.columns) == ["private", "public", "resident", "all"]
    assert table.loc["(all contributions)"].tolist() == [13, 14, 13, 40]
    by_code = cli("coding", "coverage", "--workshop", str(workshop))
    assert "Contributions per code" in flat(by_code) and "%" in by_code.output


def test_hand_coding_round_trip_and_agreement_with_rules(cli, workshop, tmp_path):
    sheet_path = tmp_path / "asha.csv"
    exported = cli("coding", "hand", "export", str(sheet_path), "--workshop", str(workshop), "--coder", "Asha")
    assert exported.exit_code == 0, exported.output
    sheet = pd.read_csv(sheet_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(sheet) == 40 and (sheet["coder"] == "Asha").all()
    for row in range(10):
        sheet.loc[row, "place identity" if row % 2 else "(no code applies)"] = "x"
    sheet.to_csv(sheet_path, index=False)
    imported = cli("coding", "hand", "import", str(sheet_path))
    assert imported.exit_code == 0, imported.output
    assert "Stored 5 code assignment(s) on 10 contribution(s) by Asha" in flat(imported)

    assert cli("coding", "code", "--rules", "--workshop", str(workshop)).exit_code == 0
    compared = cli("coding", "agreement", "--workshop", str(workshop), "--include-rules")
    assert compared.exit_code == 0, compared.output
    text = flat(compared)
    assert "Coders: Asha, rules" in text
    assert "Cohen's kappa per code" in text and "Krippendorff's alpha (nominal) per code" in text
    assert "Disagreements (" in text


def test_hand_import_of_a_bad_sheet_is_refused(cli, workshop, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("contribution_id,coder,fundng\n1,Asha,x\n", encoding="utf-8")
    result = cli("coding", "hand", "import", str(path))
    assert result.exit_code == 2
    assert "column 'fundng' is not a code in the codebook (did you mean 'funding'?)" in flat(result)
    wide = tmp_path / "utf16.csv"
    wide.write_bytes("contribution_id,coder,funding\n1,Zoë,x\n".encode("utf-16"))
    result = cli("coding", "hand", "import", str(wide))
    assert result.exit_code == 2 and "UTF-16" in flat(result)
    # Excel's Windows-1252 CSV is read like every other import's (issue 11).
    excel = tmp_path / "excel.csv"
    excel.write_bytes("contribution_id,coder,funding\n1,Zoë,x\n".encode("cp1252"))
    result = cli("coding", "hand", "import", str(excel))
    assert result.exit_code == 0, result.output
    assert "by Zoë" in flat(result)


def test_agreement_of_two_coded_files(cli, tmp_path):
    (tmp_path / "ann.csv").write_text(
        "contribution_id,coder,code\n1,Ann,housing\n2,Ann,funding\n3,Ann,\n4,Ann,housing\n", encoding="utf-8")
    (tmp_path / "ben.csv").write_text(
        "contribution_id,coder,code\n1,Ben,housing\n2,Ben,\n3,Ben,\n4,Ben,housing\n", encoding="utf-8")
    out = tmp_path / "disagreements.csv"
    result = cli("coding", "agreement", str(tmp_path / "ann.csv"), str(tmp_path / "ben.csv"), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Coders: Ann, Ben" in flat(result)
    assert pd.read_csv(out)[["contribution_id", "code", "applied_by", "not_applied_by"]].values.tolist() == [
        [2, "funding", "Ann", "Ben"]]


def test_agreement_needs_two_coders(cli, tmp_path):
    (tmp_path / "ann.csv").write_text("contribution_id,coder,code\n1,Ann,housing\n", encoding="utf-8")
    result = cli("coding", "agreement", str(tmp_path / "ann.csv"))
    assert result.exit_code == 2 and "needs two or more coders" in flat(result)


def test_themes_of_a_pol_is_export(cli, bg2050, tmp_path):
    out = tmp_path / "topics.csv"
    result = cli("coding", "themes", "--polis-dir", str(bg2050), "--topics", "5", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = flat(result)
    assert "5 themes, as asked" in text and "(nmf)" in text
    assert "Topics" in text and "Representative quotes" in text
    assert set(pd.read_csv(out)["topic"].dropna()) == {1, 2, 3, 4, 5}


def test_themes_of_a_workshop_are_the_reports_themes(cli, db_url, workshop, tmp_path):
    # The command and the workshop report make the same call: the same number of themes, explained.
    from lpip.deliberation.report import build_report

    result = cli("coding", "themes", "--workshop", str(workshop))
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        report = build_report(session, workshop)
    engine.dispose()
    assert report.summary.themes.split(":")[0] in flat(result)
    assert " ".join(report.summary.themes.split()) in flat(result)


def test_themes_of_too_few_contributions_says_so(cli, workshop):
    result = cli("coding", "themes", "--workshop", str(workshop), "--topics", "20")
    assert result.exit_code == 2
    assert "20 topics is too many for 40 contributions" in flat(result)


def test_unknown_workshop_is_reported(cli):
    result = cli("coding", "themes", "--workshop", "999")
    assert result.exit_code == 2 and "There is no workshop 999" in flat(result)
