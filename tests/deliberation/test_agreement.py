"""Inter-coder agreement, checked against published worked examples and independent implementations.

Published figures:

- Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability". Annenberg School for
  Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43.
  Section A (binary data, two observers, no missing data): alpha = 0.095. Section C (nominal
  data, four observers, twelve units, missing values): alpha = 0.743.
- Cohen's kappa, Wikipedia "Cohen's kappa", worked example: 50 grant proposals read by two
  readers, yes/yes 20, yes/no 5, no/yes 10, no/no 15: kappa = 0.4; and the two tables with the
  same 60 % agreement: 45/15/25/15 gives kappa = 0.1304, 25/35/5/35 gives kappa = 0.2593.

Independent implementations: ``sklearn.metrics.cohen_kappa_score`` and the ``krippendorff``
package from PyPI (a test-only dependency; those comparisons skip if it is missing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from lpip.deliberation.agreement import (
    ALL_CODES, alpha_by_code, cohen_kappa, compare_coders, decision_matrix, kappa_by_code,
    list_disagreements, nominal_alpha, read_assignments, read_coded_files,
)
from lpip.deliberation.codebook import default_codebook
from lpip.deliberation.coding import code_by_rules, coding_sheet, polis_contributions, write_coding_sheet
from lpip.deliberation.polis import read_polis_export
from lpip.errors import InvalidCodingSheet

POLIS_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
NAN = np.nan

# Krippendorff (2011), section C: observers A-D (rows) x units 1-12 (columns); NaN = no value.
KRIPPENDORFF_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]
# Krippendorff (2011), section A: Ben and Gerry, ten units, binary.
KRIPPENDORFF_A = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]


def two_by_two(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> tuple[list[str], list[str]]:
    first = ["yes"] * (yes_yes + yes_no) + ["no"] * (no_yes + no_no)
    second = ["yes"] * yes_yes + ["no"] * yes_no + ["yes"] * no_yes + ["no"] * no_no
    return first, second


# ----------------------------------------------------------------------------- published examples


def test_krippendorff_2011_nominal_example_with_missing_values():
    assert nominal_alpha(KRIPPENDORFF_C) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_2011_binary_example():
    assert nominal_alpha(KRIPPENDORFF_A) == pytest.approx(0.095, abs=5e-4)


def test_krippendorff_example_with_labels_instead_of_numbers():
    labels = {1: "funding", 2: "housing", 3: "skills", 4: "transport", 5: "inequality"}
    as_text = [[labels.get(v) if v == v else None for v in row] for row in KRIPPENDORFF_C]
    assert nominal_alpha(as_text) == pytest.approx(0.743, abs=5e-4)


@pytest.mark.parametrize(("table", "kappa"), [
    ((20, 5, 10, 15), 0.4),
    ((45, 15, 25, 15), 0.1304),
    ((25, 35, 5, 35), 0.2593),
], ids=["proposals", "same-agreement-1", "same-agreement-2"])
def test_cohen_kappa_textbook_examples(table, kappa):
    first, second = two_by_two(*table)
    assert cohen_kappa(first, second) == pytest.approx(kappa, abs=5e-5)
    assert cohen_kappa_score(first, second) == pytest.approx(kappa, abs=5e-5)


def test_cohen_kappa_matches_scikit_learn_on_many_labels():
    rng = np.random.default_rng(7)
    first = rng.integers(0, 5, 300)
    second = np.where(rng.random(300) < 0.6, first, rng.integers(0, 5, 300))
    assert cohen_kappa(first, second) == pytest.approx(cohen_kappa_score(first, second), abs=1e-12)


def test_cohen_kappa_is_nan_without_a_warning_when_undefined():
    # Both coders gave one and the same label throughout: chance agreement is 1 (warnings are errors here).
    assert np.isnan(cohen_kappa(["yes"] * 5, ["yes"] * 5))
    coded = pd.DataFrame({"contribution_id": [1, 1, 2, 2], "coder": ["A", "B"] * 2,
                          "code": ["funding", "funding", "funding", "funding"]})
    assert np.isnan(kappa_by_code(coded).set_index("code").loc["funding", "kappa"])


def test_alpha_matches_the_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(11)
    for _ in range(20):
        data = rng.integers(0, 4, (3, 40)).astype(float)
        data[rng.random(data.shape) < 0.25] = np.nan
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert nominal_alpha(data) == pytest.approx(expected, abs=1e-9)


def test_alpha_is_undefined_without_variation_or_pairs():
    assert np.isnan(nominal_alpha([[1, 1, 1], [1, 1, 1]]))
    assert np.isnan(nominal_alpha([[1, NAN], [NAN, 2]]))


# ----------------------------------------------------------------------------- per code, real text


@pytest.fixture(scope="module")
def three_coders() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three coders of the real bg2050 comments: the rule coder with the full default codebook,
    one with every other keyword of each code, and one who read only the first 200 comments
    with the keywords in the second half of each list. They disagree as coders do."""
    folder = POLIS_DATA / "bg2050-volunteers"
    if not folder.exists():
        pytest.skip(f"{folder} is not beside the repository")
    comments = polis_contributions(read_polis_export(folder))
    book = default_codebook()
    halves = book.assign(keywords=book["keywords"].map(lambda k: "; ".join(k.split("; ")[::2])))
    second = book.assign(keywords=book["keywords"].map(lambda k: "; ".join(k.split("; ")[len(k.split("; ")) // 2:])))
    coded = pd.concat([
        code_by_rules(comments, book, coder="full"),
        code_by_rules(comments, halves, coder="halves"),
        code_by_rules(comments.head(200), second, coder="second"),
    ], ignore_index=True)
    return coded, comments


def test_decision_matrix_marks_unread_as_missing(three_coders):
    coded, comments = three_coders
    matrix = decision_matrix(coded)
    assert list(matrix.columns) == ["full", "halves", "second"]
    unread = ~matrix.index.get_level_values("contribution_id").isin(comments["contribution_id"].head(200))
    assert matrix.loc[unread, "second"].isna().all()
    assert matrix[["full", "halves"]].notna().all().all()


def test_kappa_by_code_matches_scikit_learn(three_coders):
    coded, _ = three_coders
    table = kappa_by_code(coded, ["full", "halves"]).set_index("code")
    matrix = decision_matrix(coded, ["full", "halves"])
    for code, block in matrix.groupby(level="code"):
        first, second = block["full"].to_numpy(), block["halves"].to_numpy()
        row = table.loc[code]
        assert row["units"] == len(block)
        assert row["both"] + row["first_only"] + row["second_only"] + row["neither"] == len(block)
        if len(set(first) | set(second)) > 1:
            assert row["kappa"] == pytest.approx(cohen_kappa_score(first, second), abs=1e-12)
    pooled = table.loc[ALL_CODES]
    assert pooled["kappa"] == pytest.approx(cohen_kappa_score(matrix["full"], matrix["halves"]), abs=1e-12)


def test_alpha_by_code_matches_the_krippendorff_package_with_missing_data(three_coders):
    krippendorff = pytest.importorskip("krippendorff")
    coded, _ = three_coders
    table = alpha_by_code(coded).set_index("code")
    matrix = decision_matrix(coded)
    for code, block in matrix.groupby(level="code"):
        data = block.T.to_numpy()
        if np.unique(data[~np.isnan(data)]).size > 1:
            expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
            assert table.loc[code, "alpha"] == pytest.approx(expected, abs=1e-9)
    # Only the first 200 comments were read by three coders; the rest by two: all pairable.
    assert table.loc[ALL_CODES, "units"] == len(matrix)


def test_disagreements_list_who_applied_what(three_coders):
    coded, comments = three_coders
    found = list_disagreements(coded, comments, ["full", "halves"])
    assert {"contribution_id", "code", "applied_by", "not_applied_by", "text"} <= set(found.columns)
    matrix = decision_matrix(coded, ["full", "halves"])
    assert len(found) == int((matrix["full"] != matrix["halves"]).sum())
    # Who applied each disputed code is read off the decision matrix. (Removing keywords mostly
    # loses codes, but a phrase removed lets a single word inside it code, since phrases take
    # their words first: so "halves" applies a few codes "full" does not.)
    disputed = matrix[matrix["full"] != matrix["halves"]]
    expected = {(cid, code): ("full" if row["full"] == 1 else "halves") for (cid, code), row in disputed.iterrows()}
    got = {(cid, code): applied for cid, code, applied in zip(found["contribution_id"], found["code"], found["applied_by"])}
    assert got == expected
    assert set(found["applied_by"]) | set(found["not_applied_by"]) == {"full", "halves"}
    assert (found["applied_by"] != found["not_applied_by"]).all()
    assert found["text"].notna().all()


def test_compare_coders_gives_kappa_only_for_two():
    coded = pd.DataFrame({"contribution_id": [1, 1, 1, 2, 2, 2], "coder": ["A", "B", "C"] * 2,
                          "code": ["funding", "funding", None, None, None, "funding"]})
    three = compare_coders(coded)
    assert three.kappa is None and three.coders == ("A", "B", "C")
    two = compare_coders(coded, coders=["A", "B"])
    assert two.kappa is not None
    assert two.disagreements.empty
    with pytest.raises(InvalidCodingSheet, match="exactly two coders, and there are 3"):
        kappa_by_code(coded)
    with pytest.raises(InvalidCodingSheet, match="needs two or more coders"):
        compare_coders(coded[coded["coder"] == "A"])
    with pytest.raises(InvalidCodingSheet, match="Coder\\(s\\) 'Z' coded nothing here"):
        compare_coders(coded, coders=["A", "Z"])


# ----------------------------------------------------------------------------- files


def test_long_files_and_coding_sheets_are_read_together(tmp_path):
    book = default_codebook()
    notes = pd.DataFrame({"contribution_id": [1, 2, 3], "text": ["Cheaper rent", "More buses", "Parks"]})
    sheet = coding_sheet(notes, book, coder="")
    sheet.loc[0, "housing"] = "x"
    sheet.loc[1, "public transport"] = "x"
    sheet.loc[2, "(no code applies)"] = "x"
    write_coding_sheet(sheet, tmp_path / "asha.csv")
    (tmp_path / "ben.csv").write_text(
        "contribution_id,coder,code\n1,Ben,housing\n2,Ben,\n3,Ben,green space and nature\n", encoding="utf-8")
    coded, texts = read_coded_files([tmp_path / "asha.csv", tmp_path / "ben.csv"], book)
    assert sorted(coded["coder"].unique()) == ["Ben", "asha"]  # an empty coder cell: the file's name
    result = compare_coders(coded, texts)
    assert result.disagreements[["contribution_id", "code"]].values.tolist() == [
        [3, "green space and nature"], [2, "public transport"]]
    assert result.disagreements["text"].tolist() == ["Parks", "More buses"]


def test_long_file_with_unknown_codes_or_bad_rows_is_refused(tmp_path):
    path = tmp_path / "coded.csv"
    path.write_text("contribution_id,coder,code\n1,Ben,housng\n", encoding="utf-8")
    with pytest.raises(InvalidCodingSheet, match="uses code\\(s\\) 'housng' that the codebook does not have"):
        read_coded_files([path], default_codebook())
    path.write_text("contribution_id,coder,code\none,Ben,housing\n2,,housing\n", encoding="utf-8")
    with pytest.raises(InvalidCodingSheet) as caught:
        read_assignments(path)
    assert "row 2: contribution_id 'one' is not a whole number" in str(caught.value)
    assert "row 3: the coder is empty" in str(caught.value)


def test_long_file_in_windows_1252_is_read(tmp_path):
    path = tmp_path / "coded.csv"
    path.write_bytes("contribution_id,coder,code\n1,Zoë,housing\n".encode("cp1252"))
    assert read_assignments(path)[["contribution_id", "coder", "code"]].values.tolist() == [[1, "Zoë", "housing"]]


def test_long_file_in_utf16_is_refused(tmp_path):
    path = tmp_path / "coded.csv"
    path.write_bytes("contribution_id,coder,code\n1,Zoë,housing\n".encode("utf-16"))
    with pytest.raises(InvalidCodingSheet, match="UTF-16"):
        read_assignments(path)
