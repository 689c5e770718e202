"""Coding contributions: by rules (keywords with stemming), by hand (a CSV round trip), coverage.

Everything here works on plain DataFrames, so workshop notes and pol.is comments are coded the
same way:

contributions
    ``contribution_id``, ``text`` and, where known, ``sector``, ``table``, ``subregion``
    (:func:`load_contributions` reads a workshop's; :func:`polis_contributions` a pol.is export's).
assignments
    ``contribution_id``, ``coder``, ``code``, ``method`` ("hand" or "rules"). A row whose ``code``
    is missing says the coder read the contribution and found that no code applies, which
    inter-coder agreement needs to tell apart from "not read yet".

**Rules.** Each code's keywords and phrases (``;``-separated in the codebook) are matched
against the contribution's words after case folding, accent folding ("cafe" finds "café") and
Snowball (Porter 2) stemming, so "house" finds "houses" and "housing", and "young person"
finds "young persons". Stemming is not perfect ("buses" stems to "buse", not "bus"), so list
such plurals as keywords too. A phrase matches its words in a row; a word ending in ``*`` matches every word starting so
("apprentic*" finds "apprenticeships"); a keyword in double quotes is matched word for word,
without stemming (``"hospital"`` does not find "hospitality", which shares its stem).
Phrases take their words before single words: the longest keywords found are kept first, and a
shorter keyword inside one of them is not counted, so "cost of living" codes income &
deprivation without its "cost" also coding funding, and "public transport" codes public
transport, not also connectivity's "transport" (the same words found by two codes' keywords, as
"trees", code both).

**By hand.** :func:`coding_sheet` writes one row per contribution with an empty column per code
and a column ``(no code applies)``; a coder ticks cells (x, 1, yes, ✓) and
:func:`read_coding_sheet` reads the file back, checking all of it before anything is kept: an
unknown code column, an unknown or repeated contribution, a cell that is not a tick, text that
is not UTF-8. A row with nothing ticked has not been coded yet and is skipped.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import snowballstemmer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lpip.deliberation.codebook import descendants, load_codebook, name_key
from lpip.deliberation.models import CODING_METHODS, Code, CodeAssignment
from lpip.errors import InvalidCodingSheet, UnknownCode
from lpip.workshops.models import Contribution, Workshop
from lpip.spreadsheets import read_rows, write_csv
from lpip.text import MAX_ID, clean_text, parse_id

CONTRIBUTION_COLUMNS = ("contribution_id", "text", "sector", "table", "subregion")
ASSIGNMENT_COLUMNS = ("contribution_id", "coder", "code", "method")
RULES_CODER = "rules"
NO_CODE = "(no code applies)"
CODER_LENGTH = CodeAssignment.__table__.c.coder.type.length
SHEET_INFO = ("contribution_id", "workshop_id", "round", "table", "sector", "subregion", "kind", "text", "coder")
TICKS = {"x", "1", "yes", "y", "true", "✓", "✔", "☑"}
BLANKS = {"", "0", "no", "n", "false", "-"}
WORD = re.compile(r"\w+\*?|\w+")
APOSTROPHES = re.compile(r"['’‘`]")
UNKNOWN = "(unknown)"

_stemmer = snowballstemmer.stemmer("english")


# ----------------------------------------------------------------------------- contributions


def load_contributions(session: Session, workshop_id: int | None = None,
                       kinds: tuple[str, ...] = ("note", "statement", "priority")) -> pd.DataFrame:
    """Visible contributions as a coding input (withdrawn and hidden ones are left out).

    Returns
    -------
    DataFrame
        ``contribution_id, workshop_id, round, table, kind, text, sector, subregion``.
    """
    query = (
        select(Contribution.id, Contribution.workshop_id, Contribution.round_number, Contribution.table_number,
               Contribution.kind, Contribution.text, Contribution.sector, Workshop.subregion_code)
        .join(Workshop, Workshop.id == Contribution.workshop_id)
        .where(Contribution.status == "visible", Contribution.kind.in_(kinds))
        .order_by(Contribution.id)
    )
    if workshop_id is not None:
        query = query.where(Contribution.workshop_id == workshop_id)
    columns = ["contribution_id", "workshop_id", "round", "table", "kind", "text", "sector", "subregion"]
    frame = pd.DataFrame(session.execute(query).all(), columns=columns)
    return frame.astype({"round": "Int64", "table": "Int64"})


def polis_contributions(export) -> pd.DataFrame:
    """A pol.is export's comments as a coding input (comments moderated out are left out).

    ``contribution_id`` is the pol.is comment-id; sector, table and sub-region are unknown.
    """
    kept = export.statements[export.statements["moderated"] != -1]
    return pd.DataFrame({
        "contribution_id": kept["statement"].astype("int64").to_numpy(),
        "text": kept["text"].fillna("").astype(str).to_numpy(),
        "sector": pd.NA, "table": pd.NA, "subregion": pd.NA,
    })


# ----------------------------------------------------------------------------- words


def fold(text: str) -> str:
    """Lower case without accents or apostrophes: how text and keywords are compared."""
    if text.isascii():
        return APOSTROPHES.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return APOSTROPHES.sub("", plain)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball English stem of a folded word ("buses" -> "buse", "bus" -> "bus")."""
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return re.findall(r"\w+", fold(text))


@dataclass(frozen=True)
class _Pattern:
    code: str
    keyword: str
    parts: tuple[tuple[str, str], ...]  # ("stem", s), ("prefix", p) or ("word", w) per word


def compile_rules(codebook: pd.DataFrame) -> list[_Pattern]:
    """Each codable code's keywords as word patterns (stems, or prefixes for ``word*``)."""
    patterns = []
    for row in codebook[codebook["is_codable"]].itertuples(index=False):
        for keyword in (k.strip() for k in row.keywords.split(";")):
            exact = len(keyword) > 2 and keyword[0] == keyword[-1] == '"'
            parts = tuple(("word", w) if exact else _part(w) for w in re.findall(r"\w+\*?", fold(keyword)))
            if parts:
                patterns.append(_Pattern(row.name, keyword, parts))
    return patterns


def _part(word: str) -> tuple[str, str]:
    return ("prefix", word[:-1]) if word.endswith("*") else ("stem", stem(word))


class _Matcher:
    """Finds which codes' keywords occur in a text: an index from first word to patterns."""

    def __init__(self, patterns: list[_Pattern]):
        self.by_stem: dict[str, list[_Pattern]] = {}
        self.by_prefix: list[_Pattern] = []
        for pattern in patterns:
            kind, value = pattern.parts[0]
            if kind != "prefix":
                # An exact word is indexed by its stem too; _matches_at then checks the word itself.
                self.by_stem.setdefault(stem(value) if kind == "word" else value, []).append(pattern)
            else:
                self.by_prefix.append(pattern)
        self._prefix_cache: dict[str, list[_Pattern]] = {}

    def match(self, text: str) -> dict[str, str]:
        """{code: the keyword that matched first}, phrases taking their words before single words.

        Every keyword found is a span of words; the longest spans are kept first and a shorter
        keyword inside a kept span is dropped, so "cost of living" codes income & deprivation and
        its "cost" does not also code funding.
        """
        tokens = words(text)
        stems = [stem(t) for t in tokens]
        spans = [(i, len(pattern.parts), pattern)
                 for i, (token, stemmed) in enumerate(zip(tokens, stems))
                 for pattern in self.by_stem.get(stemmed, []) + self._starting(token)
                 if _matches_at(pattern, tokens, stems, i)]
        taken, accepted, kept = [False] * len(tokens), set(), []
        for i, length, pattern in sorted(spans, key=lambda s: (-s[1], s[0])):
            # The same words matched by two codes' keywords ("trees") code both.
            if (i, length) in accepted or not any(taken[i:i + length]):
                kept.append((i, pattern))
                accepted.add((i, length))
                taken[i:i + length] = [True] * length
        found: dict[str, str] = {}
        for _, pattern in sorted(kept, key=lambda k: k[0]):
            found.setdefault(pattern.code, pattern.keyword)
        return found

    def _starting(self, token: str) -> list[_Pattern]:
        cached = self._prefix_cache.get(token)
        if cached is None:
            cached = [p for p in self.by_prefix if token.startswith(p.parts[0][1])]
            self._prefix_cache[token] = cached
        return cached


def _matches_at(pattern: _Pattern, tokens: list[str], stems: list[str], i: int) -> bool:
    if i + len(pattern.parts) > len(tokens):
        return False
    for offset, (kind, value) in enumerate(pattern.parts):
        j = i + offset
        if kind == "stem" and stems[j] != value:
            return False
        if (kind == "prefix" and not tokens[j].startswith(value)) or (kind == "word" and tokens[j] != value):
            return False
    return True


# ----------------------------------------------------------------------------- rule coding


def code_by_rules(contributions: pd.DataFrame, codebook: pd.DataFrame, coder: str = RULES_CODER) -> pd.DataFrame:
    """Code contributions by the codebook's keywords and phrases (with stemming).

    Parameters
    ----------
    contributions : DataFrame
        ``contribution_id`` and ``text``.
    codebook : DataFrame
        A codebook (:func:`lpip.deliberation.codebook.load_codebook` or ``default_codebook()``).
    coder : str
        The name the assignments are recorded under.

    Returns
    -------
    DataFrame
        :data:`ASSIGNMENT_COLUMNS` plus ``matched`` (the keyword found): one row per code found
        in a contribution, and one row with an empty ``code`` for each contribution in which no
        keyword was found.

    Examples
    --------
    >>> from lpip.deliberation.codebook import default_codebook
    >>> notes = pd.DataFrame({"contribution_id": [1], "text": ["More buses after 7pm, please"]})
    >>> code_by_rules(notes, default_codebook())["code"].tolist()
    ['public transport']
    """
    _require_columns(contributions, ("contribution_id", "text"), "contributions")
    matcher = _Matcher(compile_rules(codebook))
    rows = []
    for cid, text in zip(contributions["contribution_id"], contributions["text"]):
        found = matcher.match("" if pd.isna(text) else str(text))
        rows += [(cid, coder, code, "rules", keyword) for code, keyword in found.items()] or [
            (cid, coder, None, "rules", None)]
    frame = pd.DataFrame(rows, columns=[*ASSIGNMENT_COLUMNS, "matched"])
    return _order_codes(frame, codebook)


def _order_codes(frame: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    order = {name: i for i, name in enumerate(codebook["name"])}
    rank = frame["code"].map(order).fillna(len(order))
    return (frame.assign(_rank=rank).sort_values(["contribution_id", "_rank"], kind="stable")
            .drop(columns="_rank").reset_index(drop=True))


def _require_columns(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidCodingSheet(f"The {what} table has no column {', '.join(map(repr, missing))}; "
                                 f"it needs {', '.join(columns)}.")


# ----------------------------------------------------------------------------- hand coding


def coding_sheet(contributions: pd.DataFrame, codebook: pd.DataFrame, coder: str = "") -> pd.DataFrame:
    """A hand-coding sheet: one row per contribution, an empty column per codable code.

    Examples
    --------
    >>> from lpip.deliberation.codebook import default_codebook
    >>> notes = pd.DataFrame({"contribution_id": [1], "text": ["More buses"]})
    >>> sheet = coding_sheet(notes, default_codebook(), coder="Asha")
    >>> sheet.columns[-1]
    '(no code applies)'
    """
    _require_columns(contributions, ("contribution_id", "text"), "contributions")
    sheet = pd.DataFrame({c: contributions[c] if c in contributions else pd.NA for c in SHEET_INFO[:-1]})
    sheet["coder"] = coder
    codes = codebook.loc[codebook["is_codable"], "name"].tolist()
    clash = [c for c in codes if c in SHEET_INFO or c == NO_CODE]
    if clash:
        raise InvalidCodingSheet(f"Code name(s) {', '.join(map(repr, clash))} clash with the sheet's own "
                                 "columns; rename them in the codebook.")
    return pd.concat([sheet, pd.DataFrame("", index=sheet.index, columns=[*codes, NO_CODE])], axis=1)


def write_coding_sheet(sheet: pd.DataFrame, path: str | Path) -> Path:
    """Write a coding sheet as CSV, UTF-8 with a BOM so that Excel shows accents correctly."""
    path = Path(path)
    write_csv(sheet, path, encoding="utf-8-sig")
    return path


def read_coding_sheet(path: str | Path, codebook: pd.DataFrame, contribution_ids=None,
                      coder: str | None = None) -> pd.DataFrame:
    """Read a filled-in coding sheet as assignments, checking all of it first.

    Parameters
    ----------
    path : str or Path
        The CSV written by :func:`write_coding_sheet` and filled in.
    codebook : DataFrame
        The codebook the sheet was made from; every code column must be one of its codes.
    contribution_ids : iterable, optional
        The contributions that exist; a row for any other is an error.
    coder : str, optional
        The coder's name, for rows whose ``coder`` cell is empty.

    Returns
    -------
    DataFrame
        :data:`ASSIGNMENT_COLUMNS`, ``method`` "hand"; rows with nothing ticked are left out.

    Raises
    ------
    InvalidCodingSheet
        Listing every problem: file, row (as a spreadsheet numbers it), column and the fix.
    """
    path = Path(path)
    frame = _read_sheet(path)
    code_columns = _code_columns(frame, codebook, path)
    problems = _sheet_problems(frame, code_columns, contribution_ids, coder)
    if problems:
        raise InvalidCodingSheet(f"{path} cannot be imported; nothing was kept. Fix these and import again:", problems)
    return _sheet_assignments(frame, code_columns, coder)


def _read_sheet(path: Path) -> pd.DataFrame:
    """A coding sheet's cells (CSV in UTF-8 or Windows-1252, or XLSX, as every importer reads them),
    indexed by spreadsheet row number minus 2, text cleaned with :func:`lpip.text.clean_text`."""
    if not path.is_file():
        raise InvalidCodingSheet(f"{path} does not exist: give the path of a filled-in coding sheet (.csv or .xlsx).")
    sheet = read_rows(path, InvalidCodingSheet, "Use the sheet written by `lpip coding hand export`.")
    if "contribution_id" not in sheet.columns:
        raise InvalidCodingSheet(f"{path} has no 'contribution_id' column: use the sheet written by "
                                 "`lpip coding hand export`, keeping its header row.")
    named = [i for i, name in enumerate(sheet.columns) if name]
    body = [[clean_text(cells[i]) for i in named] for _, cells in sheet.rows]
    index = [number - 2 for number, _ in sheet.rows]
    return pd.DataFrame(body, columns=[sheet.columns[i] for i in named], index=index, dtype=str)


def _code_columns(frame: pd.DataFrame, codebook: pd.DataFrame, path: Path) -> dict[str, str]:
    """{column: code name} for the columns after the sheet's own."""
    codable = codebook.loc[codebook["is_codable"], "name"].tolist()
    keys = {name_key(n): n for n in codable}
    columns, unknown = {}, []
    for column in frame.columns:
        if column in SHEET_INFO or column == NO_CODE:
            continue
        if name_key(column) in keys:
            columns[column] = keys[name_key(column)]
        else:
            hint = difflib.get_close_matches(column, codable, n=1)
            unknown.append(f"column {column!r} is not a code in the codebook"
                           f"{f' (did you mean {hint[0]!r}?)' if hint else ''}")
    if unknown:
        raise InvalidCodingSheet(
            f"{path} has code columns the codebook does not have; nothing was kept. Rename the columns "
            "to codes in the codebook (see `lpip coding codebook show`) or add the codes first:", unknown)
    return columns


def _sheet_problems(frame: pd.DataFrame, code_columns: dict, contribution_ids, coder) -> list[str]:
    problems = []
    ids = {i: parse_id(text, lowest=0) for i, text in frame["contribution_id"].items()}
    known = None if contribution_ids is None else set(int(i) for i in contribution_ids)
    seen: dict[tuple, int] = {}
    tick_columns = [*code_columns, *([NO_CODE] if NO_CODE in frame else [])]
    for i, row in frame.iterrows():
        where = f"row {i + 2}"
        cid = ids[i]
        if cid is None:
            problems.append(f"{where}: contribution_id {row['contribution_id']!r} is not a whole number "
                            f"from 0 to {MAX_ID:,} (a contribution id)")
            continue
        if known is not None and int(cid) not in known:
            problems.append(f"{where}: contribution {int(cid)} does not exist (or was withdrawn); "
                            "delete the row or export a fresh sheet")
        who = _row_coder(row, coder)
        if (int(cid), who) in seen:
            problems.append(f"{where}: contribution {int(cid)} is already on row {seen[(int(cid), who)]}"
                            f"{f' for coder {who!r}' if who else ''}; keep one row per contribution")
        seen[(int(cid), who)] = i + 2
        ticked = []
        for column in tick_columns:
            value = str(row[column]).strip().lower()
            if value in TICKS:
                ticked.append(column)
            elif value not in BLANKS:
                problems.append(f"{where}, column {column!r}: {row[column]!r} is not a tick; "
                                "write x (or 1, yes) to apply the code, or leave the cell empty")
        if ticked and not who:
            problems.append(f"{where}: no coder named; fill the 'coder' column or give the coder's name on import")
        if len(who) > CODER_LENGTH:
            problems.append(f"{where}: the coder's name is {len(who)} characters long; the limit is {CODER_LENGTH}")
        if NO_CODE in ticked and len(ticked) > 1:
            problems.append(f"{where}: {NO_CODE!r} is ticked together with codes; untick one or the other")
    return problems


def _row_coder(row, coder) -> str:
    value = clean_text(str(row.get("coder", "") or ""), single_line=True)
    return value or clean_text(coder or "", single_line=True)


def _sheet_assignments(frame: pd.DataFrame, code_columns: dict, coder) -> pd.DataFrame:
    rows = []
    for _, row in frame.iterrows():
        cid, who = parse_id(row["contribution_id"], lowest=0), _row_coder(row, coder)
        codes = [code for column, code in code_columns.items() if str(row[column]).strip().lower() in TICKS]
        if codes:
            rows += [(cid, who, code, "hand") for code in codes]
        elif NO_CODE in frame and str(row[NO_CODE]).strip().lower() in TICKS:
            rows.append((cid, who, None, "hand"))
    return pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)


# ----------------------------------------------------------------------------- coverage


def coverage(assignments: pd.DataFrame, contributions: pd.DataFrame, by: str = "code",
             codebook: pd.DataFrame | None = None) -> pd.DataFrame:
    """How many contributions carry each code, overall or per sector, table or sub-region.

    A contribution counts once per code however many coders applied it.

    Parameters
    ----------
    assignments : DataFrame
        ``contribution_id`` and ``code`` (rows with no code are ignored).
    contributions : DataFrame
        ``contribution_id`` and, for ``by`` other than "code", that column.
    by : {"code", "sector", "table", "subregion"}
    codebook : DataFrame, optional
        Orders the codes as the codebook does, lists codes never applied (with 0) and, for
        ``by="code"``, adds ``with_subcodes``: contributions with the code or any sub-code.

    Returns
    -------
    DataFrame
        For "code": ``code, contributions, share, with_subcodes``. Otherwise one row per code, a
        column per sector (table, sub-region) and ``all``, and a last row ``(all contributions)``
        with the number of contributions in each column.

    Examples
    --------
    >>> from lpip.deliberation.codebook import default_codebook
    >>> notes = pd.DataFrame({"contribution_id": [1, 2], "text": ["More buses", "Cheaper rent"],
    ...                       "sector": ["public", "resident"]})
    >>> coded = code_by_rules(notes, default_codebook())
    >>> coverage(coded, notes, by="sector").loc[lambda t: t["code"] == "housing", "resident"].item()
    1
    """
    if by not in ("code", "sector", "table", "subregion"):
        raise InvalidCodingSheet(f"Coverage is by code, sector, table or subregion, not {by!r}.")
    coded = assignments.dropna(subset=["code"]).drop_duplicates(["contribution_id", "code"])
    coded = coded[coded["contribution_id"].isin(contributions["contribution_id"])]
    codes = _code_order(coded, codebook)
    if by == "code":
        return _coverage_by_code(coded, contributions, codes, codebook)
    return _coverage_by_group(coded, contributions, codes, by)


def _code_order(coded: pd.DataFrame, codebook: pd.DataFrame | None) -> list[str]:
    used = list(dict.fromkeys(coded["code"]))
    if codebook is None:
        return sorted(used, key=str.casefold)
    listed = codebook.loc[codebook["is_codable"], "name"].tolist()
    return listed + [c for c in used if c not in set(listed)]


def _coverage_by_code(coded, contributions, codes, codebook) -> pd.DataFrame:
    total = len(contributions)
    counts = coded.groupby("code")["contribution_id"].nunique()
    frame = pd.DataFrame({"code": codes})
    frame["contributions"] = frame["code"].map(counts).fillna(0).astype(int)
    frame["share"] = frame["contributions"] / total if total else 0.0
    if codebook is not None:
        frame["with_subcodes"] = [
            coded.loc[coded["code"].isin([c, *descendants(codebook, c)]), "contribution_id"].nunique()
            for c in codes
        ]
    return frame


def _coverage_by_group(coded, contributions, codes, by) -> pd.DataFrame:
    labels = _group_labels(contributions, by)
    values = sorted(labels.unique(), key=_natural)
    grouped = coded.assign(group=coded["contribution_id"].map(labels))
    table = pd.crosstab(grouped["code"], grouped["group"]).reindex(index=codes, columns=values, fill_value=0)
    table["all"] = coded.groupby("code")["contribution_id"].nunique().reindex(codes, fill_value=0)
    totals = labels.value_counts().reindex(values, fill_value=0).tolist() + [len(contributions)]
    table.loc["(all contributions)"] = totals
    table = table.astype(int).reset_index().rename(columns={"index": "code", "row_0": "code"})
    table.columns.name = None
    return table.rename(columns={table.columns[0]: "code"})


def _group_labels(contributions: pd.DataFrame, by: str) -> pd.Series:
    """Each contribution's sector, table or sub-region; tables are per workshop when there are several."""
    if by not in contributions.columns:
        raise InvalidCodingSheet(f"The contributions have no {by!r} column, so coverage cannot be split by {by}.")
    values = contributions[by].map(lambda v: UNKNOWN if pd.isna(v) or str(v).strip() == "" else str(v))
    if by == "table" and "workshop_id" in contributions and contributions["workshop_id"].nunique() > 1:
        values = contributions["workshop_id"].astype(str) + "/" + values
    return pd.Series(values.to_numpy(), index=contributions["contribution_id"].to_numpy())


def _natural(value: str):
    parts = re.split(r"(\d+)", value)
    return (value == UNKNOWN, [int(p) if p.isdigit() else p.casefold() for p in parts])


# ----------------------------------------------------------------------------- the database


@dataclass(frozen=True)
class StoredCoding:
    """What :func:`store_assignments` did."""

    contributions: int
    assignments: int
    coders: tuple[str, ...]

    def summary(self) -> str:
        return (f"Stored {self.assignments} code assignment(s) on {self.contributions} contribution(s) "
                f"by {', '.join(self.coders) or 'no coder'}.")


def store_assignments(session: Session, assignments: pd.DataFrame) -> StoredCoding:
    """Store assignments, replacing what each coder had recorded for the same contributions.

    Raises :class:`UnknownCode` for a code the stored codebook lacks and
    :class:`InvalidCodingSheet` for contributions that do not exist; nothing is stored then.
    """
    if assignments.empty:
        return StoredCoding(0, 0, ())
    code_ids = _code_ids(session, assignments)
    _check_contributions(session, assignments)
    bad = sorted(set(assignments["method"]) - set(CODING_METHODS))
    if bad:
        raise InvalidCodingSheet(f"Coding method(s) {bad} are unknown; use {' or '.join(CODING_METHODS)}.")
    pairs = assignments[["contribution_id", "coder"]].drop_duplicates()
    for coder, group in pairs.groupby("coder"):
        ids = [int(i) for i in group["contribution_id"]]
        for chunk in range(0, len(ids), 500):
            session.execute(delete(CodeAssignment).where(
                CodeAssignment.coder == coder, CodeAssignment.contribution_id.in_(ids[chunk:chunk + 500])))
    unique = assignments.drop_duplicates(["contribution_id", "coder", "code"])
    session.add_all(
        CodeAssignment(contribution_id=int(r.contribution_id), coder=str(r.coder), method=r.method,
                       code_id=None if pd.isna(r.code) else code_ids[r.code])
        for r in unique.itertuples(index=False)
    )
    session.flush()
    return StoredCoding(len(pairs["contribution_id"].unique()), int(unique["code"].notna().sum()),
                        tuple(sorted(pairs["coder"].unique())))


def _code_ids(session: Session, assignments: pd.DataFrame) -> dict[str, int]:
    stored = {c.name: c.id for c in session.scalars(select(Code))}
    unknown = sorted(set(assignments["code"].dropna()) - set(stored))
    if unknown:
        raise UnknownCode(f"Code(s) {', '.join(map(repr, unknown))} are not in the stored codebook; "
                          "add them (`lpip coding codebook add`) or import the codebook first.")
    return stored


def _check_contributions(session: Session, assignments: pd.DataFrame) -> None:
    wanted = {int(i) for i in assignments["contribution_id"].unique()}
    found = set(session.scalars(select(Contribution.id).where(Contribution.id.in_(wanted))))
    missing = sorted(wanted - found)
    if missing:
        raise InvalidCodingSheet(f"Contribution(s) {', '.join(map(str, missing[:10]))}"
                                 f"{' ...' if len(missing) > 10 else ''} do not exist; nothing was stored.")


def load_assignments(session: Session, workshop_id: int | None = None, coder: str | None = None,
                     method: str | None = None) -> pd.DataFrame:
    """Stored assignments as :data:`ASSIGNMENT_COLUMNS` (``code`` empty: read, no code applies)."""
    query = (select(CodeAssignment.contribution_id, CodeAssignment.coder, Code.name, CodeAssignment.method)
             .outerjoin(Code, Code.id == CodeAssignment.code_id)
             .join(Contribution, Contribution.id == CodeAssignment.contribution_id)
             .order_by(CodeAssignment.contribution_id, CodeAssignment.coder, CodeAssignment.id))
    if workshop_id is not None:
        query = query.where(Contribution.workshop_id == workshop_id)
    if coder is not None:
        query = query.where(CodeAssignment.coder == coder)
    if method is not None:
        query = query.where(CodeAssignment.method == method)
    return pd.DataFrame(session.execute(query).all(), columns=ASSIGNMENT_COLUMNS)


def code_workshop_by_rules(session: Session, workshop_id: int | None = None) -> StoredCoding:
    """Code a workshop's (or every workshop's) contributions by rules and store the result."""
    contributions = load_contributions(session, workshop_id)
    if contributions.empty:
        return StoredCoding(0, 0, ())
    coded = code_by_rules(contributions, load_codebook(session))
    return store_assignments(session, coded.drop(columns="matched"))


def import_coding_sheet(session: Session, path: str | Path, coder: str | None = None) -> StoredCoding:
    """Read a filled-in coding sheet against the stored codebook and contributions, and store it."""
    contributions = load_contributions(session)
    assignments = read_coding_sheet(path, load_codebook(session), contributions["contribution_id"], coder)
    return store_assignments(session, assignments)


def check_unknown_codes(assignments: pd.DataFrame, codebook: pd.DataFrame, source: str) -> None:
    """Raise :class:`InvalidCodingSheet` when assignments name codes the codebook lacks."""
    keys = {name_key(n) for n in codebook["name"]}
    unknown = sorted({c for c in assignments["code"].dropna() if name_key(c) not in keys})
    if unknown:
        raise InvalidCodingSheet(f"{source} uses code(s) {', '.join(map(repr, unknown))} that the codebook "
                                 "does not have; fix the names or add the codes first.")
