"""Read pol.is open-data exports (``comments.csv``, ``votes.csv``, ``participants-votes.csv``).

Both export formats are read: the older one (2014-2020, ``comments.csv`` with ``datetime``) and
the newer one (``is-meta``, ``is-seed`` and ``group-informed-consensus`` columns), with or without
the date-and-id prefix that the pol.is report page puts on file names
(``2025-08-29-0002-7btrabcujr-comments.csv``).

Everything is checked before it is used: a missing file, a column pol.is does not write, text
that is not UTF-8, a vote that is not -1/0/1 or a vote for a comment that is not in
``comments.csv`` each raise :class:`~lpip.errors.InvalidPolisExport` naming the file, the line
and the fix. The result holds plain DataFrames in the shapes :mod:`lpip.deliberation.opinions`
takes, so a workshop's votes can be analysed the same way.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lpip.errors import InvalidPolisExport

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
    participants : DataFrame
        ``participant`` and ``group`` (pol.is's opinion group, missing when not grouped).
    summary : dict
        ``summary.csv`` as key/value pairs (empty when the file is absent).
    format : str
        ``"older"`` or ``"newer"`` (the newer format has ``is-meta``/``group-informed-consensus``).
    """

    folder: Path
    statements: pd.DataFrame
    votes: pd.DataFrame
    participants: pd.DataFrame
    summary: dict = field(default_factory=dict)
    format: str = "older"

    @property
    def url(self) -> str | None:
        return self.summary.get("url") or None

    @property
    def topic(self) -> str | None:
        return self.summary.get("topic") or None

    def attribution(self) -> str:
        """The CC BY 4.0 attribution statement with this conversation's link."""
        link = self.url or f"(pol.is conversation exported to {self.folder.name})"
        return f"{POLIS_ATTRIBUTION}\n{link}\nLicence: {POLIS_LICENCE}, {POLIS_LICENCE_URL}"


def read_polis_export(folder: str | Path) -> PolisExport:
    """Read and check a pol.is open-data export folder.

    Parameters
    ----------
    folder : str or Path
        A folder holding ``comments.csv``, ``votes.csv`` and ``participants-votes.csv`` (and
        optionally ``summary.csv``), as downloaded from pol.is or the compdemocracy/openData
        repository.

    Returns
    -------
    PolisExport

    Raises
    ------
    InvalidPolisExport
        When a file is missing, is not UTF-8, has columns pol.is does not write, or holds values
        that cannot be votes (the message names the file, the line and the fix).

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
            "(comments.csv, votes.csv, participants-votes.csv)."
        )
    comments = _read_table(_find_file(folder, "comments"), COMMENT_COLUMNS)
    votes = _read_table(_find_file(folder, "votes"), VOTE_COLUMNS)
    participants = _read_table(_find_file(folder, "participants"), PARTICIPANT_COLUMNS, comment_columns=True)
    statements = _statements(comments)
    vote_frame = _votes(votes, statements)
    return PolisExport(
        folder=folder,
        statements=statements,
        votes=vote_frame,
        participants=_participants(participants),
        summary=_read_summary(folder),
        format="newer" if "is-meta" in comments.frame.columns else "older",
    )


@dataclass(frozen=True)
class _Table:
    path: Path
    frame: pd.DataFrame

    def where(self, rows: pd.Index) -> list[str]:
        # Line numbers as a text editor shows them: the header is line 1.
        return [f"line {int(i) + 2}" for i in rows[:5]]


def _find_file(folder: Path, kind: str) -> Path:
    names = EXPORT_FILES[kind]
    found = [folder / n for n in names if (folder / n).is_file()]
    if not found:
        found = sorted(p for p in folder.iterdir() if p.is_file() and _kind_of(p.name) == kind)
    if len(found) == 1:
        return found[0]
    if found:
        raise InvalidPolisExport(
            f"{folder} holds more than one {names[0]}: {', '.join(p.name for p in found)}. "
            "Keep one conversation's export per folder."
        )
    raise InvalidPolisExport(
        f"{folder} has no {names[0]}: a pol.is export needs comments.csv, votes.csv and "
        "participants-votes.csv. Download the missing file from the conversation's export page "
        "and put it in this folder."
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
    unexpected = [c for c in frame.columns if c not in known and not (comment_columns and c.lstrip("-").isdigit())]
    if unexpected:
        raise InvalidPolisExport(
            f"{path} has unexpected column(s) {', '.join(repr(c) for c in unexpected)}: pol.is "
            f"writes only {', '.join(sorted(known))}"
            f"{' and one column per comment id' if comment_columns else ''}. "
            "Use the file as exported by pol.is, without added or renamed columns."
        )
    return _Table(path, frame)


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidPolisExport(
            f"{path} is not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {line} cannot be decoded. "
            "pol.is exports are UTF-8; re-save the file as UTF-8 (or download it again)."
        ) from None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidPolisExport(
            f"{path} cannot be read as CSV ({exc}). Download the file again from pol.is."
        ) from None


def _integers(table: _Table, column: str, allow_empty: bool = False) -> pd.Series:
    text = table.frame[column].str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() if not allow_empty else values.isna() & (text != "")
    bad |= values.notna() & (values != values.round())
    if bad.any():
        rows = bad[bad].index
        raise InvalidPolisExport(
            f"{table.path} column {column!r} must hold whole numbers; "
            f"{', '.join(f'{w} has {text[i]!r}' for w, i in zip(table.where(rows), rows))}"
            f"{' ...' if len(rows) > 5 else ''}. Use the file as exported by pol.is."
        )
    return values.astype("Int64" if allow_empty else "int64")


def _check_codes(table: _Table, column: str, values: pd.Series, allowed: set[int], meaning: str) -> None:
    bad = ~values.isin(allowed)
    if bad.any():
        rows = bad[bad].index
        raise InvalidPolisExport(
            f"{table.path} column {column!r} must be {meaning}; "
            f"{', '.join(f'{w} has {values[i]}' for w, i in zip(table.where(rows), rows))}"
            f"{' ...' if len(rows) > 5 else ''}."
        )


def _statements(table: _Table) -> pd.DataFrame:
    frame = table.frame
    ids = _integers(table, "comment-id")
    duplicated = ids.duplicated(keep=False)
    if duplicated.any():
        rows = duplicated[duplicated].index
        raise InvalidPolisExport(
            f"{table.path} lists comment-id {ids[rows[0]]} more than once "
            f"({', '.join(table.where(rows))}). Each comment must appear once."
        )
    moderated = _integers(table, "moderated")
    _check_codes(table, "moderated", moderated, {-1, 0, 1}, "1 (accepted), 0 (unmoderated) or -1 (rejected)")
    statements = pd.DataFrame({
        "statement": ids,
        "text": frame["comment-body"],
        "moderated": moderated,
        "is_meta": frame["is-meta"].str.lower().eq("true") if "is-meta" in frame else False,
        "author": _integers(table, "author-id", allow_empty=True) if "author-id" in frame else pd.NA,
        "timestamp": _integers(table, "timestamp", allow_empty=True) if "timestamp" in frame else pd.NA,
    })
    if "group-informed-consensus" in frame:
        statements["group_informed_consensus"] = pd.to_numeric(frame["group-informed-consensus"], errors="coerce")
    return statements.sort_values("statement", kind="stable").reset_index(drop=True)


def _votes(table: _Table, statements: pd.DataFrame) -> pd.DataFrame:
    votes = pd.DataFrame({
        "participant": _integers(table, "voter-id"),
        "statement": _integers(table, "comment-id"),
        "vote": _integers(table, "vote"),
        "timestamp": _integers(table, "timestamp"),
    })
    _check_codes(table, "vote", votes["vote"], {-1, 0, 1}, "1 (agree), -1 (disagree) or 0 (pass)")
    unknown = ~votes["statement"].isin(statements["statement"])
    if unknown.any():
        rows = unknown[unknown].index
        ids = sorted(votes.loc[rows, "statement"].unique())
        raise InvalidPolisExport(
            f"{table.path} has {len(rows)} vote(s) for comments that are not in comments.csv "
            f"(comment-id {', '.join(map(str, ids[:10]))}{' ...' if len(ids) > 10 else ''}; "
            f"{', '.join(table.where(rows))}). Use the comments.csv exported together with these votes."
        )
    return votes


def _participants(table: _Table) -> pd.DataFrame:
    participants = pd.DataFrame({
        "participant": _integers(table, "participant"),
        "group": _integers(table, "group-id", allow_empty=True),
    })
    if "n-votes" in table.frame:
        participants["n_votes"] = _integers(table, "n-votes")
    return participants


def _read_summary(folder: Path) -> dict[str, str]:
    candidates = [folder / "summary.csv", *sorted(folder.glob("*-summary.csv"))]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidPolisExport(
            f"{path} is not UTF-8 text. pol.is exports are UTF-8; re-save the file as UTF-8."
        ) from None
    return {row[0]: row[1] for row in csv.reader(io.StringIO(text)) if len(row) >= 2}
