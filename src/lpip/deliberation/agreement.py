"""Inter-coder agreement: Cohen's kappa for two coders, Krippendorff's alpha for any number.

Coders apply codes to contributions, several codes to one contribution if they like, so each
code is judged on its own as a yes/no question put to every contribution a coder has read:
"does this code apply?". A contribution a coder has not read is missing data for that coder
(alpha allows it; kappa uses the contributions both coders read). The assignments convention
of :mod:`lpip.deliberation.coding` holds: a row with an empty ``code`` says that the coder read
the contribution and applied no code.

Per code, :func:`kappa_by_code` gives Cohen's (1960) kappa, (p_o - p_e) / (1 - p_e) with p_e
from each coder's own rates (computed by scikit-learn's ``cohen_kappa_score``), and :func:`alpha_by_code` gives Krippendorff's alpha for nominal
data, computed from the coincidence matrix as in Krippendorff (2011), "Computing
Krippendorff's Alpha-Reliability", which allows any number of coders and missing values. A
last row ``(all codes)`` pools every (contribution, code) pair. :func:`list_disagreements`
lists the contributions the coders coded differently, for the team to talk over.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lpip.errors import InvalidCodingSheet
from lpip.spreadsheets import read_rows
from lpip.text import MAX_ID, clean_text, parse_id

ALL_CODES = "(all codes)"


# ----------------------------------------------------------------------------- the statistics


def cohen_kappa(first, second) -> float:
    """Cohen's kappa for two coders' labels of the same units (no missing labels), by
    scikit-learn's ``cohen_kappa_score``; NaN where kappa is undefined (both coders gave one
    and the same label throughout, so chance agreement is 1).

    Examples
    --------
    Wikipedia's worked example ("Cohen's kappa"): 50 proposals, both say yes to 20, both no to
    15, the first alone yes to 5, the second alone yes to 10; kappa = 0.4.

    >>> first = ["yes"] * 25 + ["no"] * 25
    >>> second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    >>> round(cohen_kappa(first, second), 3)
    0.4
    """
    first, second = list(first), list(second)
    if len(first) != len(second) or len(first) == 0:
        raise ValueError("cohen_kappa needs two equally long, non-empty sequences of labels")
    labels = list(dict.fromkeys([*first, *second]))
    if len(labels) < 2:
        return np.nan  # one label throughout: chance agreement is 1 and kappa is undefined
    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        # Undefined kappa is reported as NaN in the tables, not as a warning.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return float(cohen_kappa_score(first, second, labels=labels, replace_undefined_by=np.nan))


def nominal_alpha(reliability_data) -> float:
    """Krippendorff's alpha for nominal data: coders x units, missing values allowed.

    Parameters
    ----------
    reliability_data : array-like
        One row per coder, one column per unit; NaN or None where a coder gave no value.
        Values may be numbers or strings.

    Returns
    -------
    float
        Alpha; NaN when fewer than two values can be paired or every value is the same (there
        is no variation to agree on).

    Examples
    --------
    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
    observers, twelve units, nominal data with missing values; alpha = 0.743.

    >>> nan = float("nan")
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(nominal_alpha(data), 3)
    0.743
    """
    counts = _value_counts(pd.DataFrame(reliability_data))
    return _alpha_from_counts(counts)


def _value_counts(data: pd.DataFrame) -> np.ndarray:
    """Units x values: how many coders gave each value to each unit."""
    stacked = data.T.stack().dropna()  # index (unit, coder)
    if stacked.empty:
        return np.zeros((0, 0))
    codes, _ = pd.factorize(stacked.to_numpy())
    units = stacked.index.get_level_values(0)
    unit_index, _ = pd.factorize(units)
    counts = np.zeros((unit_index.max() + 1, codes.max() + 1))
    np.add.at(counts, (unit_index, codes), 1)
    return counts


def _alpha_from_counts(counts: np.ndarray) -> float:
    """Nominal alpha from a units x values count matrix (Krippendorff 2011, section C)."""
    if counts.size == 0:
        return np.nan
    per_unit = counts.sum(axis=1)
    pairable = counts[per_unit >= 2]
    m = per_unit[per_unit >= 2]
    if len(m) == 0:
        return np.nan
    # Coincidences within units: o_cc = sum_u n_uc (n_uc - 1) / (m_u - 1); n_c = sum_u n_uc.
    agree = float(np.sum(pairable * (pairable - 1) / (m - 1)[:, None]))
    n_c = pairable.sum(axis=0)
    n = float(n_c.sum())
    chance = float(np.sum(n_c * (n_c - 1)))
    if n * (n - 1) == chance:
        return np.nan
    return ((n - 1) * agree - chance) / (n * (n - 1) - chance)


# ----------------------------------------------------------------------------- per code


def _check(assignments: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("contribution_id", "coder", "code") if c not in assignments.columns]
    if missing:
        raise InvalidCodingSheet(f"The assignments have no column {', '.join(map(repr, missing))}; "
                                 "they need contribution_id, coder and code.")
    return assignments


def _coders(assignments: pd.DataFrame, coders) -> list[str]:
    found = sorted(assignments["coder"].dropna().astype(str).unique())
    if coders is None:
        return found
    unknown = [c for c in coders if c not in found]
    if unknown:
        raise InvalidCodingSheet(f"Coder(s) {', '.join(map(repr, unknown))} coded nothing here; "
                                 f"the coders are {', '.join(map(repr, found)) or 'none'}.")
    return list(coders)


def decision_matrix(assignments: pd.DataFrame, coders=None, codes=None) -> pd.DataFrame:
    """One row per (contribution, code), one column per coder: 1 applied, 0 read but not
    applied, NaN not read. Codes default to every code some coder applied."""
    assignments = _check(assignments)
    coders = _coders(assignments, coders)
    chosen = assignments[assignments["coder"].isin(coders)]
    codes = sorted(chosen["code"].dropna().unique(), key=str.casefold) if codes is None else list(codes)
    units = sorted(chosen["contribution_id"].unique())
    index = pd.MultiIndex.from_product([units, codes], names=["contribution_id", "code"])
    matrix = pd.DataFrame(np.nan, index=index, columns=coders)
    for coder, rows in chosen.groupby("coder"):
        read = pd.Index(rows["contribution_id"].unique())
        matrix.loc[matrix.index.get_level_values(0).isin(read), coder] = 0.0
        applied = pd.MultiIndex.from_frame(rows.dropna(subset=["code"])[["contribution_id", "code"]])
        matrix.loc[matrix.index.isin(applied), coder] = 1.0
    return matrix


def alpha_by_code(assignments: pd.DataFrame, coders=None, codes=None) -> pd.DataFrame:
    """Krippendorff's alpha (nominal) per code, for any number of coders, missing data allowed.

    Returns
    -------
    DataFrame
        ``code, units`` (contributions read by two or more coders), ``applied`` (times any
        coder applied the code), ``alpha``; last row ``(all codes)`` pools every code.

    Examples
    --------
    >>> coded = pd.DataFrame({"contribution_id": [1, 1, 2, 2, 3, 3],
    ...                       "coder": ["A", "B"] * 3,
    ...                       "code": ["funding", "funding", None, None, "funding", None]})
    >>> float(round(alpha_by_code(coded)["alpha"].iloc[0], 3))
    0.444
    """
    matrix = decision_matrix(assignments, coders, codes)
    rows = [_alpha_row(code, block) for code, block in matrix.groupby(level="code", sort=False)]
    rows.append(_alpha_row(ALL_CODES, matrix))
    return pd.DataFrame(rows, columns=["code", "units", "applied", "alpha"])


def _alpha_row(code: str, block: pd.DataFrame) -> dict:
    readers = block.notna().sum(axis=1)
    return {"code": code, "units": int((readers >= 2).sum()),
            "applied": int((block == 1).sum().sum()), "alpha": nominal_alpha(block.T.to_numpy())}


def kappa_by_code(assignments: pd.DataFrame, coders=None, codes=None) -> pd.DataFrame:
    """Cohen's kappa per code for two coders, on the contributions both of them read.

    Returns
    -------
    DataFrame
        ``code, units, both, first_only, second_only, neither, observed, expected, kappa``
        (observed and expected agreement as proportions); last row ``(all codes)`` pools them.
        Kappa is NaN when both coders always, or never, applied a code.
    """
    assignments = _check(assignments)
    coders = _coders(assignments, coders)
    if len(coders) != 2:
        raise InvalidCodingSheet(
            f"Cohen's kappa compares exactly two coders, and there are {len(coders)} "
            f"({', '.join(map(repr, coders)) or 'none'}); name two, or use Krippendorff's alpha."
        )
    matrix = decision_matrix(assignments, coders, codes).dropna()
    rows = [_kappa_row(code, block) for code, block in matrix.groupby(level="code", sort=False)]
    rows.append(_kappa_row(ALL_CODES, matrix))
    return pd.DataFrame(rows)


def _kappa_row(code: str, block: pd.DataFrame) -> dict:
    first, second = block.iloc[:, 0].to_numpy(), block.iloc[:, 1].to_numpy()
    n = len(first)
    row = {"code": code, "units": n, "both": int(((first == 1) & (second == 1)).sum()),
           "first_only": int(((first == 1) & (second == 0)).sum()),
           "second_only": int(((first == 0) & (second == 1)).sum()),
           "neither": int(((first == 0) & (second == 0)).sum())}
    if n == 0:
        return {**row, "observed": np.nan, "expected": np.nan, "kappa": np.nan}
    observed = float(np.mean(first == second))
    p1, p2 = float(first.mean()), float(second.mean())
    expected = p1 * p2 + (1 - p1) * (1 - p2)
    return {**row, "observed": observed, "expected": expected, "kappa": cohen_kappa(first, second)}


def list_disagreements(assignments: pd.DataFrame, contributions: pd.DataFrame | None = None,
                       coders=None) -> pd.DataFrame:
    """Contributions the coders coded differently: who applied the code and who did not.

    Returns
    -------
    DataFrame
        ``contribution_id, code, applied_by, not_applied_by`` (coders joined by ", "), and
        ``text`` when ``contributions`` is given; sorted by code, then contribution.
    """
    matrix = decision_matrix(assignments, coders)
    split = matrix[(matrix == 1).any(axis=1) & (matrix == 0).any(axis=1)]
    frame = pd.DataFrame({
        "contribution_id": split.index.get_level_values(0),
        "code": split.index.get_level_values(1),
        "applied_by": [", ".join(split.columns[row == 1]) for row in split.to_numpy()],
        "not_applied_by": [", ".join(split.columns[row == 0]) for row in split.to_numpy()],
    })
    if contributions is not None:
        frame = frame.merge(contributions[["contribution_id", "text"]], on="contribution_id", how="left")
    return frame.sort_values(["code", "contribution_id"], key=_sort_key).reset_index(drop=True)


def _sort_key(column: pd.Series) -> pd.Series:
    return column.str.casefold() if column.dtype == object else column


@dataclass(frozen=True)
class Agreement:
    """How far coders agree.

    Attributes
    ----------
    coders : tuple of str
    alpha : DataFrame
        :func:`alpha_by_code`.
    kappa : DataFrame or None
        :func:`kappa_by_code` when there are exactly two coders.
    disagreements : DataFrame
        :func:`list_disagreements`.
    """

    coders: tuple[str, ...]
    alpha: pd.DataFrame
    kappa: pd.DataFrame | None
    disagreements: pd.DataFrame


def compare_coders(assignments: pd.DataFrame, contributions: pd.DataFrame | None = None,
                   coders=None) -> Agreement:
    """Kappa (two coders), alpha (any number) and the disagreements, in one result.

    Examples
    --------
    >>> coded = pd.DataFrame({"contribution_id": [1, 1, 2, 2], "coder": ["A", "B"] * 2,
    ...                       "code": ["funding", "funding", "housing", None]})
    >>> compare_coders(coded).disagreements["code"].tolist()
    ['housing']
    """
    coders = _coders(_check(assignments), coders)
    if len(coders) < 2:
        raise InvalidCodingSheet(
            f"Agreement needs two or more coders; the assignments have {len(coders)} "
            f"({', '.join(map(repr, coders)) or 'none'}). Import a second coder's sheet first."
        )
    kappa = kappa_by_code(assignments, coders) if len(coders) == 2 else None
    return Agreement(tuple(coders), alpha_by_code(assignments, coders), kappa,
                     list_disagreements(assignments, contributions, coders))


# ----------------------------------------------------------------------------- files


def read_assignments(path: str | Path) -> pd.DataFrame:
    """Read coded data in long form: a CSV (UTF-8 or Windows-1252) or XLSX with
    ``contribution_id, coder, code`` (one row per code applied; an empty ``code`` for a
    contribution read with no code applying).
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidCodingSheet(f"{path} does not exist: give a CSV of contribution_id, coder, code.")
    sheet = read_rows(path, InvalidCodingSheet, "Coded data has the columns contribution_id, coder, code.")
    missing = [c for c in ("contribution_id", "coder", "code") if c not in sheet.columns]
    if missing:
        raise InvalidCodingSheet(f"{path} has no column {', '.join(map(repr, missing))}: coded data in "
                                 "long form needs contribution_id, coder and code (one row per code applied).")
    records = [{k: clean_text(v, single_line=True) for k, v in r.items()} for r in sheet.records()]
    frame = pd.DataFrame(records, index=[number - 2 for number, _ in sheet.rows],
                         columns=[c for c in sheet.columns if c])
    return _typed_assignments(frame, path)


def _typed_assignments(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    ids = {i: parse_id(text, lowest=0) for i, text in frame["contribution_id"].items()}
    problems = [f"row {i + 2}: contribution_id {frame.at[i, 'contribution_id']!r} is not a whole number "
                f"from 0 to {MAX_ID:,} (a contribution id)" for i, value in ids.items() if value is None]
    problems += [f"row {i + 2}: the coder is empty" for i in frame.index[frame["coder"] == ""]]
    if problems:
        raise InvalidCodingSheet(f"{path} cannot be read; fix these and try again:", problems)
    return pd.DataFrame({
        "contribution_id": pd.Series(list(ids.values()), dtype="int64"), "coder": frame["coder"].tolist(),
        "code": frame["code"].replace("", None).tolist(),
        "method": frame["method"].tolist() if "method" in frame else "hand",
    })


def read_coded_files(paths, codebook: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read coded files for comparison: filled-in coding sheets or long CSVs, in any mix.

    A file with ``coder`` and ``code`` columns is long form (:func:`read_assignments`); any
    other is a coding sheet (:func:`lpip.deliberation.coding.read_coding_sheet`), whose
    ``coder`` column names the coder (or, when empty, the file's name does).

    Returns
    -------
    tuple of DataFrame
        The assignments, and ``contribution_id, text`` from the sheets (for listing disagreements).
    """
    from lpip.deliberation.coding import check_unknown_codes, read_coding_sheet

    assignments, texts = [], []
    for path in map(Path, paths):
        header = _header(path)
        if {"coder", "code"} <= set(header):
            coded = read_assignments(path)
            check_unknown_codes(coded, codebook, str(path))
        else:
            coded = read_coding_sheet(path, codebook, coder=path.stem)
            texts.append(_sheet_texts(path))
        assignments.append(coded)
    frame = pd.concat(assignments, ignore_index=True)
    text = pd.concat(texts, ignore_index=True).drop_duplicates("contribution_id") if texts else None
    return frame, text


def _header(path: Path) -> list[str]:
    if not path.is_file():
        raise InvalidCodingSheet(f"{path} does not exist: give coded CSV files (coding sheets or contribution_id,coder,code).")
    return read_rows(path, InvalidCodingSheet).columns


def _sheet_texts(path: Path) -> pd.DataFrame:
    sheet = read_rows(path, InvalidCodingSheet)
    if "text" not in sheet.columns or "contribution_id" not in sheet.columns:
        return pd.DataFrame(columns=["contribution_id", "text"])
    rows = [(parse_id(r["contribution_id"], lowest=0), clean_text(r["text"])) for r in sheet.records()]
    frame = pd.DataFrame([r for r in rows if r[0] is not None], columns=["contribution_id", "text"])
    return frame.astype({"contribution_id": "int64"})
