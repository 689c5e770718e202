"""Every importer answers every malformed file with `Error: ...`, exit 2, and writes nothing.

Property-based (hypothesis, derandomised: the same examples on every run, a bounded number of
them): each test starts from a valid file of real shape and applies one defect that makes it
invalid (a non-finite number, an id beyond 64 bits, an empty required cell, a damaged
encoding, a NUL byte, deep nesting ...) plus any number of harmless changes (CR-only line
endings as Excel for Mac writes them, a BOM, Windows-1252, control and zero-width characters
in text). The command runs in-process against SQLite and PostgreSQL; the database's content
is fingerprinted before and after. A second property per importer applies only harmless
changes and checks that the file is imported, with the same clean text on both databases.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from lpip.cli import app
from lpip.db import Base, make_engine, session_scope

EXAMPLES = 20
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Tables too big to hash row by row: counted instead.
BIG = {"area", "area_link", "indicator_value"}
CONTROL = "\x01\x07\x0b\x1b\x7f\u200b\u202e\ufeff"  # kept out of what is stored, on both databases
NON_FINITE = ("1e999", "-1e999", "inf", "-inf", "Infinity", "nan", "NaN", "1e309")
HUGE_IDS = (str(2**63), str(2**64 + 1), "99999999999999999999", "-1", "1e3", "inf", "nan", "0x10")


# ---------------------------------------------------------------- running and fingerprinting


@pytest.fixture
def run(db_url, monkeypatch):
    monkeypatch.setenv("LPIP_DATABASE_URL", db_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def fingerprint(db_url):
    """A function giving a digest of everything the database holds (big tables by count and sums)."""
    import lpip.deliberation.models  # noqa: F401  (register every table)
    import lpip.evidence.models  # noqa: F401
    import lpip.geography.models  # noqa: F401
    import lpip.workshops.models  # noqa: F401

    engine = make_engine(db_url)

    def digest() -> str:
        hasher = hashlib.sha256()
        with engine.connect() as connection:
            for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
                if table.name in BIG:
                    # Rows added or removed show in the count; these importers update no big-table row.
                    key = next(iter(table.primary_key.columns))
                    row = connection.execute(select(func.count(), func.max(key))).one()
                else:
                    row = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
                hasher.update(f"{table.name}:{row!r}".encode())
        return hasher.hexdigest()

    yield digest
    engine.dispose()


def assert_refused(result, before: str, after: str, note: str) -> None:
    assert result.exit_code == 2, f"{note}\n{result.output}"
    assert result.stderr.startswith("Error: "), f"{note}\n{result.output}"
    assert "Traceback" not in result.output
    assert after == before, f"{note}: the database changed although the import was refused"


# ---------------------------------------------------------------- files


def csv_text(rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if re.search(r'[",\r\n]', value) else value
    return "".join(",".join(cell(v) for v in row) + "\n" for row in rows)


@st.composite
def harmless(draw, rows: list[list[str]], text_columns: tuple[int, ...]) -> list[list[str]]:
    """Changes a person's spreadsheet may bring that must not stop an import: control and
    zero-width characters inside text cells."""
    rows = [list(row) for row in rows]
    for number in range(1, len(rows)):
        for column in text_columns:
            if draw(st.booleans()):
                junk = draw(st.text(alphabet=CONTROL, min_size=1, max_size=3))
                at = draw(st.integers(0, len(rows[number][column])))
                rows[number][column] = rows[number][column][:at] + junk + rows[number][column][at:]
    return rows


@st.composite
def encoded(draw, content: str) -> bytes:
    """The text as a spreadsheet program may save it: UTF-8 with or without BOM, or
    Windows-1252, with LF, CRLF or CR-only (Excel for Mac) line endings."""
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    content = content.replace("\n", ending)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    try:
        return content.encode(encoding)
    except UnicodeEncodeError:  # zero-width and bidi characters have no Windows-1252 byte
        return content.encode("utf-8")


@st.composite
def broken_bytes(draw, content: str) -> bytes:
    """Defects of the file itself, whatever the importer."""
    kind = draw(st.sampled_from(["empty", "utf16", "nul", "quote", "semicolons", "binary", "header only"]))
    if kind == "empty":
        return draw(st.sampled_from([b"", b"\n\n", b" \r\n"]))
    if kind == "utf16":
        return content.encode("utf-16")
    if kind == "nul":
        at = draw(st.integers(1, max(1, len(content) - 1)))
        return (content[:at] + "\x00" + content[at:]).encode()
    if kind == "quote":
        first_break = content.index("\n") + 1
        return (content[:first_break] + '"' + content[first_break:]).encode()
    if kind == "semicolons":
        return content.replace(",", ";").encode()
    if kind == "binary":
        return draw(st.binary(min_size=1, max_size=200).filter(lambda b: b"," not in b))
    return content.splitlines(keepends=True)[0].encode()


def with_cell(rows: list[list[str]], row: int, column: int, value: str) -> list[list[str]]:
    rows = [list(r) for r in rows]
    rows[row][column] = value
    return rows


# ---------------------------------------------------------------- lpip data import

DATA_HEADER = ["areacd", "areanm", "period", "value", "lci", "uci", "status"]
DATA_ROWS = [DATA_HEADER,
             ["E08000025", "Birmingham", "2021", "52.5", "50.1", "54.9", ""],
             ["E08000026", "Coventry", "2021", "48.25", "", "", ""],
             ["E08000029", "Solihull", "2021", "", "", "", "suppressed"]]
NEW_INDICATOR = ("--indicator", "fuzz_indicator", "--title", "Fuzz test (made-up)", "--theme", "skills",
                 "--unit", "%", "--polarity", "higher is better", "--value-type", "proportion")


@st.composite
def bad_data_import(draw):
    """(file bytes, suffix, extra options, what is wrong)."""
    kind = draw(st.sampled_from(["number", "file", "column", "levels", "metadata", "deep json", "code", "period"]))
    rows = draw(harmless(DATA_ROWS, (1, 2, 6)))
    options: tuple[str, ...] = NEW_INDICATOR
    if kind == "number":
        column = draw(st.sampled_from([3, 4, 5]))
        rows = with_cell(rows, draw(st.integers(1, 2)), column, draw(st.sampled_from(NON_FINITE)))
    elif kind == "column":
        drop = draw(st.sampled_from([0, 2, 3]))
        rows = [[c for i, c in enumerate(r) if i != drop] for r in rows]
    elif kind == "levels":
        options = (*NEW_INDICATOR, "--levels", draw(st.sampled_from(["lads", "ltla", "lad,districts", "region,,x"])))
    elif kind == "code":
        rows = with_cell(rows, 1, 0, draw(st.sampled_from(["E0800002", "Birmingham", "W06000015", "E99999999", ""])))
    elif kind == "period":
        rows = with_cell(rows, 2, 2, draw(st.sampled_from(["", "x" * 200])))
    content = csv_text(rows)
    if kind == "file":
        return draw(broken_bytes(content)), ".csv", options, kind
    if kind == "metadata":
        return draw(encoded(content)), ".csv", ("--indicator", "fuzz_indicator"), draw(st.sampled_from(BAD_METADATA))
    if kind == "deep json":
        depth = draw(st.sampled_from([1_000, 100_000]))
        nested = draw(st.sampled_from(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth]))
        return draw(encoded(content)), ".csv", ("--indicator", "fuzz_indicator"), nested
    return draw(encoded(content)), ".csv", options, kind


BAD_METADATA = [
    {"metadata": {"geography": "ltla"}},
    {"metadata": {"indicators": 5}},
    {"metadata": {"indicators": [{"label": ["x"], "polarity": [1], "measure": {"a": 1}}], "source": "ONS"}},
    {"dc:title": {"@value": {"@value": None}}, "lpip:levels": 7, "tables": "x"},
    {"lpip:id": 5, "lpip:theme": ["not a theme"], "lpip:levels": ["lads"]},
    [1, 2, 3],
    "a string",
]


@SETTINGS
@given(case=bad_data_import())
def test_data_import_refuses_malformed_files(case, run, fingerprint, tmp_path):
    content, suffix, options, kind = case
    path = tmp_path / f"values{suffix}"
    path.write_bytes(content)
    if not isinstance(kind, str) or kind.startswith(("[", "{")):
        meta = tmp_path / "meta.json"
        meta.write_text(kind if isinstance(kind, str) else json.dumps(kind))
        options, kind = (*options, "--metadata", meta), f"metadata {str(kind)[:60]}"
    before = fingerprint()
    result = run("data", "import", path, *options)
    assert_refused(result, before, fingerprint(), kind)


@SETTINGS
@given(data=st.data())
def test_data_import_takes_harmless_noise(data, run, db_url, tmp_path):
    rows = data.draw(harmless(DATA_ROWS, (1, 2, 6)))
    file = tmp_path / "values.csv"
    file.write_bytes(data.draw(encoded(csv_text(rows))))
    result = run("data", "import", file, *NEW_INDICATOR)
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            stored = session.execute(text(
                "SELECT area_code, period, value, status FROM indicator_value WHERE indicator_id = 'fuzz_indicator' "
                "ORDER BY area_code")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in stored] == [("E08000025", "2021", 52.5, None), ("E08000026", "2021", 48.25, None),
                                          ("E08000029", "2021", None, "suppressed")]


# ---------------------------------------------------------------- workshops: attendees and notes

ATTENDEE_ROWS = [["name", "email", "organisation", "sector", "home_area", "host_table", "consent_contact",
                  "consent_deposit"],
                 ["Test Attendee A (made-up)", "a@example.org", "Org A", "public", "E08000025", "1", "yes", "no"],
                 ["Test Attendee B (made-up)", "b@example.org", "Org B", "private", "", "", "", "yes"],
                 ["Test Attendee C (made-up)", "", "", "academic", "E08000026", "2", "no", ""]]
NOTE_ROWS = [["round", "table", "text", "sector"],
             ["1", "1", "Buses stop at 7pm, so evening shifts are out of reach", "public"],
             ["1", "2", "Café owners want to hear about apprenticeships", ""],
             ["2", "1", "More youth clubs\nand longer opening hours", "resident"]]


@pytest.fixture
def workshop(db_url) -> int:
    from lpip.workshops.workshops import RoundSpec, create_workshop

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            rounds = [RoundSpec("What matters most? (made-up)", 25), RoundSpec("What would help?", 25)]
            return create_workshop(session, "Fuzz workshop (made-up)", rounds, tables=4).id
    finally:
        engine.dispose()


@st.composite
def bad_sheet(draw, rows: list[list[str]], text_columns: tuple[int, ...], defects: dict,
              required: int = 0) -> tuple[bytes, str]:
    """A sheet with one defect from ``defects`` ({kind: [(column, bad values)] or [(rows, column, bad
    values)] where only those data rows make the value a defect}) or a broken file."""
    rows = draw(harmless(rows, text_columns))
    kind = draw(st.sampled_from(sorted(defects) + ["file", "column"]))
    if kind == "file":
        return draw(broken_bytes(csv_text(rows))), kind
    if kind == "column":
        # A required column left out, or a column named twice.
        rows = ([r[:required] + r[required + 1:] for r in rows] if draw(st.booleans())
                else [[rows[0][required], *rows[0]], *[["", *r] for r in rows[1:]]])
        return draw(encoded(csv_text(rows))), kind
    defect = draw(st.sampled_from(defects[kind]))
    where, column, values = defect if len(defect) == 3 else (range(1, len(rows)), *defect)
    rows = with_cell(rows, draw(st.sampled_from(list(where))), column, draw(st.sampled_from(values)))
    return draw(encoded(csv_text(rows))), kind


ATTENDEE_DEFECTS = {
    "table": [(5, [*HUGE_IDS, "5", "1.5", "one"])],
    "sector": [(3, ["", "voluntary", "business\x00", "x" * 500])],
    "name": [(0, ["", " \u200b ", "x" * 300])],
    "email": [(1, ["not an email", "a@example.org\u202e@x", "a@b"]), ((1, 3), 1, ["b@example.org"])],
    "area": [(4, ["E0800002", "W06000015", "99999999999999999999"])],
    "consent": [(6, ["maybe", "nan", "2"])],
}
NOTE_DEFECTS = {
    "round": [(0, [*HUGE_IDS, "", "3", "1.0.0"])],
    "table": [(1, [*HUGE_IDS, "", "5"])],
    "text": [(2, ["", "\x01\u200b\x7f", "x" * 5000])],
    "sector": [(3, ["voluntary", "nan"])],
}


@SETTINGS
@given(case=bad_sheet(ATTENDEE_ROWS, (0, 2), ATTENDEE_DEFECTS))
def test_attendee_import_refuses_malformed_files(case, run, fingerprint, workshop, tmp_path):
    content, kind = case
    path = tmp_path / "attendees.csv"
    path.write_bytes(content)
    before = fingerprint()
    assert_refused(run("workshops", "attendees", "import", workshop, path), before, fingerprint(), kind)


@SETTINGS
@given(case=bad_sheet(NOTE_ROWS, (2,), NOTE_DEFECTS))
def test_notes_import_refuses_malformed_files(case, run, fingerprint, workshop, tmp_path):
    content, kind = case
    path = tmp_path / "notes.csv"
    path.write_bytes(content)
    before = fingerprint()
    assert_refused(run("workshops", "notes", "import", workshop, path), before, fingerprint(), kind)


@SETTINGS
@given(workshop_id=st.sampled_from([2**63, 2**64 + 1, 10**30, 2**31, 0]))
def test_workshop_ids_beyond_what_a_column_holds_are_unknown_workshops(workshop_id, run, fingerprint, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text(csv_text(NOTE_ROWS))
    for args in (("workshops", "show", workshop_id), ("workshops", "notes", "import", workshop_id, path),
                 ("workshops", "attendees", "import", workshop_id, path), ("workshops", "attendees", "list", workshop_id)):
        before = fingerprint()
        result = run(*args)
        assert_refused(result, before, fingerprint(), " ".join(map(str, args)))
        assert f"There is no workshop {workshop_id}" in result.stderr


@SETTINGS
@given(data=st.data())
def test_workshop_imports_store_clean_text_on_both_databases(data, run, workshop, db_url, tmp_path):
    attendees = data.draw(harmless(ATTENDEE_ROWS, (0, 2)))
    notes = data.draw(harmless(NOTE_ROWS, (2,)))
    (tmp_path / "attendees.csv").write_bytes(data.draw(encoded(csv_text(attendees))))
    (tmp_path / "notes.csv").write_bytes(data.draw(encoded(csv_text(notes))))
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:  # each example starts from no attendees and notes
            session.execute(text("DELETE FROM attendee WHERE workshop_id = :w"), {"w": workshop})
            session.execute(text("DELETE FROM contribution WHERE workshop_id = :w"), {"w": workshop})
        result = run("workshops", "attendees", "import", workshop, tmp_path / "attendees.csv")
        assert result.exit_code == 0, result.output
        result = run("workshops", "notes", "import", workshop, tmp_path / "notes.csv")
        assert result.exit_code == 0, result.output
        with session_scope(engine) as session:
            names = session.scalars(text("SELECT name FROM attendee WHERE workshop_id = :w ORDER BY id"),
                                    {"w": workshop}).all()
            organisations = session.scalars(text("SELECT organisation FROM attendee WHERE workshop_id = :w "
                                                 "ORDER BY id"), {"w": workshop}).all()
            texts = session.scalars(text("SELECT text FROM contribution WHERE workshop_id = :w ORDER BY id"),
                                    {"w": workshop}).all()
    finally:
        engine.dispose()
    assert names == [row[0] for row in ATTENDEE_ROWS[1:]]
    assert organisations == [row[2] or None for row in ATTENDEE_ROWS[1:]]
    assert texts == [row[2] for row in NOTE_ROWS[1:]]


# ---------------------------------------------------------------- codebooks (.qdc and .csv) and coding sheets

CODEBOOK_ROWS = [["guid", "name", "parent", "description", "keywords", "color", "is_codable"],
                 ["6F1D0C2E-0000-4000-8000-000000000001", "Transport (fuzz)", "", "Getting around", "bus; train",
                  "#1f78b4", "true"],
                 ["6F1D0C2E-0000-4000-8000-000000000002", "Buses (fuzz)", "Transport (fuzz)", "", "bus",
                  "", "yes"],
                 ["6F1D0C2E-0000-4000-8000-000000000003", "Housing (fuzz)", "", "Homes", "rent", "", ""]]
CODEBOOK_DEFECTS = {
    "name": [(1, ["", "\u200b", "x" * 300]), ((1, 2), 1, ["Housing (fuzz)", "HOUSING (FUZZ)", " housing  (FUZZ) "])],
    "parent": [(2, ["Transprt (fuzz)"]), ((1, 2), 2, ["Buses (fuzz)"])],
    "color": [(5, ["red", "#12345", "#gggggg"])],
    "codable": [(6, ["perhaps", "nan", "2"])],
    "guid": [(0, ["not-a-guid", "{" + "0" * 40 + "}"]), ((1, 2), 0, ["6F1D0C2E-0000-4000-8000-000000000003"])],
}


def qdc(codes: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="fuzz">'
            f"<Codes>{codes}</Codes></CodeBook>")


@st.composite
def bad_qdc(draw) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["empty codes", "no codes", "deep", "swapped clash", "broken xml", "bad values",
                                 "not xml", "encoding"]))
    if kind == "empty codes":
        return qdc(draw(st.sampled_from(["", "  \n ", "<Other/>"]))).encode(), kind
    if kind == "no codes":
        return b'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', kind
    if kind == "deep":
        depth = draw(st.sampled_from([25, 1_200, 50_000]))
        inner = "".join(f'<Code guid="{i:08d}-0000-4000-8000-000000000000" name="c{i}">' for i in range(depth))
        return qdc(inner + "</Code>" * depth).encode(), kind
    if kind == "swapped clash":
        # Two codes named the same under different GUIDs, one of them a stored default code's name.
        name = draw(st.sampled_from(["funding", "housing", "Funding "]))
        return qdc(f'<Code guid="6F1D0C2E-0000-4000-8000-0000000000AA" name="{name}"/>'
                   f'<Code guid="6F1D0C2E-0000-4000-8000-0000000000AB" name="{name.upper()}"/>').encode(), kind
    if kind == "broken xml":
        return qdc('<Code name="a"><Code name="b"></Code>').encode()[:-draw(st.integers(1, 20))], kind
    if kind == "bad values":
        attribute = draw(st.sampled_from(['color="red"', 'isCodable="perhaps"', 'guid="nope"', 'name=""']))
        return qdc(f'<Code guid="6F1D0C2E-0000-4000-8000-0000000000AC" name="x" {attribute}/>'.replace(
            'name="x" name=""', 'name=""')).encode(), kind
    if kind == "encoding":
        return qdc('<Code name="é"/>').replace('encoding="utf-8"', 'encoding="shift_jis"').encode("utf-8"), kind
    return draw(st.binary(max_size=100)), kind


@SETTINGS
@given(case=bad_qdc())
def test_codebook_import_refuses_malformed_qdc_files(case, run, fingerprint, tmp_path):
    content, kind = case
    path = tmp_path / "codebook.qdc"
    path.write_bytes(content)
    run("coding", "codebook", "show")  # the default codebook is installed on first use
    before = fingerprint()
    assert_refused(run("coding", "codebook", "import", path), before, fingerprint(), kind)


@SETTINGS
@given(case=bad_sheet(CODEBOOK_ROWS, (1, 3, 4), CODEBOOK_DEFECTS, required=1), replace=st.booleans())
def test_codebook_import_refuses_malformed_csv_files(case, replace, run, fingerprint, tmp_path):
    content, kind = case
    path = tmp_path / "codebook.csv"
    path.write_bytes(content)
    run("coding", "codebook", "show")
    before = fingerprint()
    result = run("coding", "codebook", "import", path, *(["--replace"] if replace else []))
    assert_refused(result, before, fingerprint(), kind)


def test_codes_may_swap_names_under_their_guids(run, db_url, tmp_path):
    """Issue 11: two codes whose names were exchanged (in NVivo, say) gave an IntegrityError."""
    from lpip.deliberation.codebook import load_codebook

    first = tmp_path / "first.csv"
    first.write_text(csv_text(CODEBOOK_ROWS))
    assert run("coding", "codebook", "import", first).exit_code == 0
    swapped = [list(r) for r in CODEBOOK_ROWS]
    swapped[1][1], swapped[3][1] = swapped[3][1], swapped[1][1]
    swapped[2][2] = "Housing (fuzz)"  # the child follows its parent's GUID, now named Housing
    second = tmp_path / "second.csv"
    second.write_text(csv_text(swapped))
    result = run("coding", "codebook", "import", second)
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            book = load_codebook(session).set_index("guid")
    finally:
        engine.dispose()
    assert book.loc["6F1D0C2E-0000-4000-8000-000000000001", "name"] == "Housing (fuzz)"
    assert book.loc["6F1D0C2E-0000-4000-8000-000000000003", "name"] == "Transport (fuzz)"
    assert book.loc["6F1D0C2E-0000-4000-8000-000000000002", "parent"] == "Housing (fuzz)"


def test_a_name_taken_by_a_code_left_in_place_is_refused_by_name(run, fingerprint, tmp_path):
    # The default code "housing" (found by its GUID) renamed to "Funding", the name of a code
    # the file does not have: refused, unless --replace removes that code.
    from lpip.deliberation.codebook import default_codebook

    guid = default_codebook().set_index("name").loc["housing", "guid"]
    path = tmp_path / "clash.csv"
    path.write_text(csv_text([["guid", "name"], [guid, "Funding"]]))
    run("coding", "codebook", "show")
    before = fingerprint()
    result = run("coding", "codebook", "import", path)
    assert_refused(result, before, fingerprint(), "clash")
    assert "'Funding' is already the name of another code" in result.stderr
    replaced = run("coding", "codebook", "import", path, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "1 updated" in replaced.output


@pytest.fixture
def coding_sheet_rows(run, workshop, tmp_path) -> list[list[str]]:
    """A real coding sheet of a workshop with three paper notes (from `lpip coding hand export`)."""
    import csv

    notes = tmp_path / "notes.csv"
    notes.write_text(csv_text(NOTE_ROWS))
    assert run("workshops", "notes", "import", workshop, notes).exit_code == 0
    sheet = tmp_path / "sheet.csv"
    assert run("coding", "hand", "export", sheet, "--workshop", workshop, "--coder", "Asha").exit_code == 0
    with open(sheet, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("housing")] = "x"
    rows[2][rows[0].index("(no code applies)")] = "x"
    return rows


@SETTINGS
@given(data=st.data())
def test_coding_sheet_import_refuses_malformed_files(data, coding_sheet_rows, run, fingerprint, tmp_path):
    rows = coding_sheet_rows
    header = rows[0]
    defects = {
        "id": [(header.index("contribution_id"), [*HUGE_IDS, "", "999999", "1.5"])],
        "tick": [(header.index("funding"), ["maybe", "nan", "\x00"])],
        "coder": [(header.index("coder"), ["x" * 150])],
    }
    content, kind = data.draw(bad_sheet(rows, (header.index("text"),), defects))
    path = tmp_path / "filled.csv"
    path.write_bytes(content)
    before = fingerprint()
    assert_refused(run("coding", "hand", "import", path), before, fingerprint(), kind)
