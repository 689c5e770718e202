"""Read pol.is open-data exports (``comments.csv``, ``votes.csv``, ``participants-votes.csv``).

Every export shape pol.is has written is read: the older format (2014-2020, ``comments.csv``
with ``datetime``) and the newer one (``is-meta``, ``is-seed`` and ``group-informed-consensus``
columns), with or without the date-and-id prefix that the pol.is report page puts on file names
(``2025-08-29-0002-7btrabcujr-comments.csv``), and with or without ``votes.csv``: pol.is also
publishes conversations as ``comments.csv`` and ``participants-votes.csv`` only, and the second
holds every participant's latest vote on every comment, which is all the opinion groups need.

Everything is checked before it is used, and a malformed export is refused with
:class:`~lpip.errors.InvalidPolisExport` naming the file, the line and the fix, never with a
traceback: a missing or unreadable file, text that is not UTF-8 or not CSV, a column pol.is does
not write, an id or count that is not a whole number (``inf``, ``1e999`` and numbers too large
for an id included), a vote that is not -1/0/1, a vote for a comment that is not in
``comments.csv``, a participant listed twice. Comment text is cleaned as all text from people is
(:func:`lpip.text.clean_text`). The result holds plain DataFrames in the shapes
:mod:`lpip.deliberation.opinions` takes, so a workshop's votes are analysed the same way.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lpip.errors import InvalidPolisExport
from lpip.text import clean_text

POLIS_LICENCE = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
POLIS_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
POLIS_ATTRIBUTION = (
    "Data was gathered using the Polis software (compdemocracy.org/polis) and is sub-licensed "
    "under CC BY 4.0 with Attribution to The Computational Democracy Project. The data and more "
    "information about how the data was collected can be found at the following link(s):"
)

COMMENT_COLUMNS = {
    "required": ("comment-id", "moderated", "comment-body"),
    "optional": ("timestamp", "datetime", "author-id", "agrees", "disagrees",
                 "is-meta", "is-seed", "group-informed-consensus"),
}
VOTE_COLUMNS = {
    "required": ("timestamp", "comment-id", "voter-id", "vote"),
    "optional": ("datetime",),
}
PARTICIPANT_COLUMNS = {
    "required": ("participant", "group-id"),
    "optional": ("xid", "n-comments", "n-votes", "n-agree", "n-disagree"),
}
EXPORT_FILES = {
    "comments": ("comments.csv",),
    "votes": ("votes.csv",),
    "participants": ("participants-votes.csv", "participant-votes.csv"),
}
# Whole numbers as pol.is writes them; 18 digits keep every id and millisecond timestamp
# inside a 64-bit integer, so nothing is rounded or overflows on the way in.
WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,18}$")
TRUE_FALSE = {"true": True, "false": False, "": False}
VOTE_CODES = {-1, 0, 1}


@dataclass(frozen=True)
class PolisExport:
    """One pol.is conversation as read from its open-data export.

    Attributes
    ----------
    folder : Path
        The export folder.
    statements : DataFrame
        One row per comment: ``statement`` (comment-id), ``text``, ``moderated`` (1 accepted,
        0 not yet moderated, -1 rejected), ``is_meta``, ``author``, ``timestamp`` and, where the
        export has it, ``group_informed_consensus`` (pol.is's own value).
    votes : DataFrame
        One row per vote event: ``participant``, ``statement``, ``vote`` (1 agree, -1 disagree,
        0 pass, as exported) and ``timestamp``. Re-votes are kept; the analysis uses the latest.
        Without ``votes.csv`` there is one row per participant and comment (the latest vote) and
        ``timestamp`` is only an order: participants in the order pol.is numbered them (the
        order they joined), each participant's comments in comment order.
    participants : DataFrame
        ``participant`` and ``group`` (pol.is's opinion group, missing when not grouped), and
        ``n_votes`` where the export has it.
    summary : dict
        ``summary.csv`` as key/value pairs (empty when the file is absent).
    format : str
        ``"older"`` or ``"newer"`` (the newer format has ``is-meta``/``group-informed-consensus``).
    votes_from : str
        ``"votes.csv"``, or ``"participants-votes.csv"`` when the export has no votes.csv.
    """

    folder: Path
    statements: pd.DataFrame
    votes: pd.DataFrame
    participants: pd.DataFrame
    summary: dict = field(default_factory=dict)
    format: str = "older"
    votes_from: str = "votes.csv"

    @property
    def url(self) -> str | None:
        return self.summary.get("url") or None

    @property
    def topic(self) -> str | None:
        return self.summary.get("topic") or None

    @property
    def vote_times(self) -> bool:
        """Whether the votes carry the times they were cast (only votes.csv has them)."""
        return self.votes_from == "votes.csv"

    def attribution(self) -> str:
        """The CC BY 4.0 attribution statement with this conversation's link."""
        link = self.url or f"(pol.is conversation exported to {self.folder.name})"
        return f"{POLIS_ATTRIBUTION}\n{link}\nLicence: {POLIS_LICENCE}, {POLIS_LICENCE_URL}"


def read_polis_export(folder: str | Path) -> PolisExport:
    """Read and check a pol.is open-data export folder.

    Parameters
    ----------
    folder : str or Path
        A folder holding ``comments.csv`` and ``participants-votes.csv``, usually also
        ``votes.csv`` and ``summary.csv``, as downloaded from pol.is or the
        compdemocracy/openData repository.

    Returns
    -------
    PolisExport

    Raises
    ------
    InvalidPolisExport
        When a file is missing or unreadable, is not UTF-8 CSV, has columns pol.is does not
        write, or holds values that cannot be ids, counts or votes (the message names the file,
        the line and the fix).

    Examples
    --------
    >>> export = read_polis_export("../shared/data/polis/bg2050-volunteers")  # doctest: +SKIP
    >>> export.votes.columns.tolist()  # doctest: +SKIP
    ['participant', 'statement', 'vote', 'timestamp']
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidPolisExport(
            f"{folder} is not a folder: give the folder that holds the pol.is export files "
            "(comments.csv, participants-votes.csv and usually votes.csv)."
        )
    comments = _read_table(_find_file(folder, "comments"), COMMENT_COLUMNS)
    participants = _read_table(_find_file(folder, "participants"), PARTICIPANT_COLUMNS, comment_columns=True)
    votes_path = _find_file(folder, "votes", required=False)
    statements = _statements(comments)
    participant_frame = _participants(participants)
    if votes_path is not None:
        vote_frame = _votes(_read_table(votes_path, VOTE_COLUMNS), statements)
    else:
        vote_frame = _votes_from_matrix(participants, participant_frame, statements)
    return PolisExport(
        folder=folder,
        statements=statements,
        votes=vote_frame,
        participants=participant_frame,
        summary=_read_summary(folder),
        format="newer" if "is-meta" in comments.frame.columns else "older",
        votes_from="votes.csv" if votes_path is not None else participants.path.name,
    )


@dataclass(frozen=True)
class _Table:
    path: Path
    frame: pd.DataFrame

    def where(self, rows) -> list[str]:
        # Line numbers as a text editor shows them: the header is line 1 (a cell holding a line
        # break shifts the count, so this is the record number in a CSV sense).
        return [f"line {int(i) + 2}" for i in list(rows)[:5]]

    def problem(self, column: str, rows, message: str, values=None) -> InvalidPolisExport:
        rows = list(rows)
        shown = self.where(rows)
        if values is not None:
            shown = [f"{w} has {v!r}" for w, v in zip(shown, values)]
        more = " ..." if len(rows) > 5 else ""
        return InvalidPolisExport(f"{self.path} column {column!r} {message}; {', '.join(shown)}{more}. "
                                  "Use the file as exported by pol.is.")


def _find_file(folder: Path, kind: str, required: bool = True) -> Path | None:
    names = EXPORT_FILES[kind]
    try:
        found = [folder / n for n in names if (folder / n).is_file()]
        if not found:
            found = sorted(p for p in folder.iterdir() if p.is_file() and _kind_of(p.name) == kind)
    except OSError as exc:
        raise InvalidPolisExport(f"{folder} cannot be read ({exc.strerror}): check the folder's permissions.") from None
    if len(found) == 1:
        return found[0]
    if found:
        raise InvalidPolisExport(
            f"{folder} holds more than one {names[0]}: {', '.join(p.name for p in found)}. "
            "Keep one conversation's export per folder."
        )
    if not required:
        return None
    raise InvalidPolisExport(
        f"{folder} has no {names[0]}: a pol.is export needs comments.csv and participants-votes.csv "
        "(votes.csv too, when pol.is gave one). Download the missing file from the conversation's "
        "export page and put it in this folder."
    )


def _kind_of(filename: str) -> str | None:
    # The longest matching name decides, so "x-participants-votes.csv" is not taken for votes.
    matches = [(len(n), kind) for kind, names in EXPORT_FILES.items() for n in names
               if filename == n or filename.endswith(f"-{n}")]
    return max(matches)[1] if matches else None


def _read_table(path: Path, columns: dict, comment_columns: bool = False) -> _Table:
    frame = _read_csv(path)
    missing = [c for c in columns["required"] if c not in frame.columns]
    if missing:
        raise InvalidPolisExport(
            f"{path} has no column {', '.join(repr(c) for c in missing)}: expected the columns "
            f"of a pol.is {path.name} ({', '.join(columns['required'])}). "
            "Check that this is an unedited pol.is export file."
        )
    known = set(columns["required"]) | set(columns["optional"])
    unexpected = [c for c in frame.columns if c not in known and not (comment_columns and WHOLE_NUMBER.match(c))]
    if unexpected:
        raise InvalidPolisExport(
            f"{path} has unexpected column(s) {', '.join(repr(c) for c in unexpected[:10])}: pol.is "
            f"writes only {', '.join(sorted(known))}"
            f"{' and one column per comment id' if comment_columns else ''}. "
            "Use the file as exported by pol.is, without added, renamed or repeated columns."
        )
    return _Table(path, frame)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidPolisExport(f"{path} cannot be read ({exc.strerror}): check the file's permissions.") from None
    text = _decode(raw, path)
    if not text.strip():
        raise InvalidPolisExport(f"{path} is empty: download the file again from pol.is.")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError, OverflowError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise InvalidPolisExport(f"{path} cannot be read as CSV ({detail}). Download the file again from pol.is.") from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas turns the first cells of rows longer than the header into an index.
        raise InvalidPolisExport(
            f"{path}: the rows have more cells ({len(frame.columns) + frame.index.nlevels}) than the header names "
            f"({len(frame.columns)}), so the header line has lost names. Download the file again from pol.is."
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    # A row with fewer cells than the header leaves None in the missing cells.
    return frame.fillna("")


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidPolisExport(
            f"{path} is not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {line} cannot be decoded. "
            "pol.is exports are UTF-8; re-save the file as UTF-8 (or download it again)."
        ) from None


def _integers(table: _Table, column: str, allow_empty: bool = False) -> pd.Series:
    text = table.frame[column].astype(str).str.strip()
    ok = text.map(lambda v: bool(WHOLE_NUMBER.match(v)))
    bad = ~ok & ((text != "") | (not allow_empty))
    if bad.any():
        rows = bad[bad].index
        raise table.problem(column, rows, "must hold whole numbers (no decimals, no 'inf', at most 18 digits)",
                            text[rows])
    values = pd.array([int(v) if good else pd.NA for v, good in zip(text, ok)], dtype="Int64")
    series = pd.Series(values, index=table.frame.index, name=column)
    return series if allow_empty else series.astype("int64")


def _check_codes(table: _Table, column: str, values: pd.Series, allowed: set[int], meaning: str) -> None:
    bad = ~values.isin(allowed)
    if bad.any():
        rows = bad[bad].index
        raise table.problem(column, rows, f"must be {meaning}", values[rows])


def _check_unique(table: _Table, column: str, values: pd.Series, what: str) -> None:
    repeated = values.duplicated(keep=False)
    if repeated.any():
        rows = repeated[repeated].index
        raise InvalidPolisExport(
            f"{table.path} lists {what} {values[rows[0]]} more than once ({', '.join(table.where(rows))}). "
            f"Each {what} must appear once: use the file as exported by pol.is."
        )


def _flags(table: _Table, column: str) -> pd.Series:
    text = table.frame[column].astype(str).str.strip().str.lower()
    bad = ~text.isin(list(TRUE_FALSE))
    if bad.any():
        rows = bad[bad].index
        raise table.problem(column, rows, "must be true or false", text[rows])
    return text.map(TRUE_FALSE).astype(bool)


def _fractions(table: _Table, column: str) -> pd.Series:
    text = table.frame[column].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = (text != "") & ~(values.between(0, 1))
    if bad.any():
        rows = bad[bad].index
        raise table.problem(column, rows, "must hold numbers from 0 to 1", text[rows])
    return values


def _statements(table: _Table) -> pd.DataFrame:
    frame = table.frame
    ids = _integers(table, "comment-id")
    _check_unique(table, "comment-id", ids, "comment-id")
    moderated = _integers(table, "moderated")
    _check_codes(table, "moderated", moderated, {-1, 0, 1}, "1 (accepted), 0 (unmoderated) or -1 (rejected)")
    statements = pd.DataFrame({
        "statement": ids,
        "text": frame["comment-body"].map(clean_text),
        "moderated": moderated,
        "is_meta": _flags(table, "is-meta") if "is-meta" in frame else False,
        "author": _integers(table, "author-id", allow_empty=True) if "author-id" in frame else pd.NA,
        "timestamp": _integers(table, "timestamp", allow_empty=True) if "timestamp" in frame else pd.NA,
    })
    if "group-informed-consensus" in frame:
        statements["group_informed_consensus"] = _fractions(table, "group-informed-consensus")
    return statements.sort_values("statement", kind="stable").reset_index(drop=True)


def _votes(table: _Table, statements: pd.DataFrame) -> pd.DataFrame:
    votes = pd.DataFrame({
        "participant": _integers(table, "voter-id"),
        "statement": _integers(table, "comment-id"),
        "vote": _integers(table, "vote"),
        "timestamp": _integers(table, "timestamp"),
    })
    _check_codes(table, "vote", votes["vote"], VOTE_CODES, "1 (agree), -1 (disagree) or 0 (pass)")
    _check_known_comments(table, votes["statement"], statements, "vote(s) for")
    return votes


def _check_known_comments(table: _Table, ids: pd.Series, statements: pd.DataFrame, what: str) -> None:
    unknown = ~ids.isin(statements["statement"])
    if unknown.any():
        rows = unknown[unknown].index
        shown = sorted(ids[rows].unique())
        raise InvalidPolisExport(
            f"{table.path} has {len(rows)} {what} comments that are not in comments.csv "
            f"(comment-id {', '.join(map(str, shown[:10]))}{' ...' if len(shown) > 10 else ''}; "
            f"{', '.join(table.where(rows))}). Use the comments.csv exported together with this file."
        )


def _participants(table: _Table) -> pd.DataFrame:
    ids = _integers(table, "participant")
    _check_unique(table, "participant", ids, "participant")
    groups = _integers(table, "group-id", allow_empty=True)
    negative = groups.notna() & (groups < 0)
    if negative.any():
        rows = negative[negative].index
        raise table.problem("group-id", rows, "must be empty or a group number from 0", groups[rows])
    participants = pd.DataFrame({"participant": ids, "group": groups})
    if "n-votes" in table.frame:
        participants["n_votes"] = _integers(table, "n-votes", allow_empty=True)
    return participants


def _votes_from_matrix(table: _Table, participants: pd.DataFrame, statements: pd.DataFrame) -> pd.DataFrame:
    """One vote per filled cell of participants-votes.csv (each participant's latest vote)."""
    columns = [c for c in table.frame.columns if WHOLE_NUMBER.match(c)]
    ids = pd.Series([int(c) for c in columns], dtype="int64")
    unknown = sorted(set(ids) - set(statements["statement"]))
    if unknown:
        raise InvalidPolisExport(
            f"{table.path} has {len(unknown)} column(s) for comments that are not in comments.csv "
            f"(comment-id {', '.join(map(str, unknown[:10]))}{' ...' if len(unknown) > 10 else ''}). "
            "Use the comments.csv exported together with this file."
        )
    # Few distinct cell texts ("1", "-1", "0", ""): check and decode those, not every cell.
    flat = table.frame[columns].to_numpy(dtype=object).ravel()
    index, texts = pd.factorize(flat, use_na_sentinel=False)
    decoded = np.array([_vote_code(str(t)) for t in texts], dtype=float)
    cells = decoded[index].reshape(len(table.frame), len(columns))
    bad = np.isinf(cells)
    if bad.any():
        rows, cols = np.nonzero(bad)
        shown = [f"line {r + 2} column {columns[c]!r} has {flat[r * len(columns) + c]!r}"
                 for r, c in zip(rows[:5], cols[:5])]
        raise InvalidPolisExport(
            f"{table.path} has {int(bad.sum())} cell(s) that are not a vote (1 agree, -1 disagree, 0 pass, "
            f"or empty): {', '.join(shown)}{' ...' if bad.sum() > 5 else ''}. Use the file as exported by pol.is."
        )
    filled = ~np.isnan(cells)
    # pol.is numbers participants as they join; with no vote times, that order stands in for time.
    order = np.argsort(participants["participant"].to_numpy(), kind="stable")
    rows, cols = np.nonzero(filled[order])
    ordered_cols = np.argsort(ids.to_numpy(), kind="stable")
    rank = np.empty(len(ordered_cols), dtype=int)
    rank[ordered_cols] = np.arange(len(ordered_cols))
    sequence = np.lexsort((rank[cols], rows))
    rows, cols = rows[sequence], cols[sequence]
    return pd.DataFrame({
        "participant": participants["participant"].to_numpy()[order][rows],
        "statement": ids.to_numpy()[cols],
        "vote": cells[order][rows, cols].astype("int64"),
        "timestamp": np.arange(len(rows), dtype="int64"),
    })


def _vote_code(text: str) -> float:
    """A participants-votes cell as a vote: NaN when empty, inf when it is not a vote."""
    text = text.strip()
    if not text:
        return np.nan
    return float(int(text)) if WHOLE_NUMBER.match(text) and int(text) in VOTE_CODES else np.inf


def _read_summary(folder: Path) -> dict[str, str]:
    try:
        candidates = [folder / "summary.csv", *sorted(folder.glob("*-summary.csv"))]
        path = next((p for p in candidates if p.is_file()), None)
    except OSError:
        return {}
    if path is None:
        return {}
    try:
        text = _decode(path.read_bytes(), path)
    except OSError as exc:
        raise InvalidPolisExport(f"{path} cannot be read ({exc.strerror}): check the file's permissions.") from None
    try:
        rows = list(csv.reader(io.StringIO(text.replace("\x00", ""))))
    except csv.Error as exc:
        raise InvalidPolisExport(f"{path} cannot be read as CSV ({exc}). Download the file again from pol.is.") from None
    return {clean_text(row[0], single_line=True): clean_text(row[1], single_line=True)
            for row in rows if len(row) >= 2}
