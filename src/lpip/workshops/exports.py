"""Exporting a workshop for the facilitator: everything as CSV, XLSX or JSON, statements and
votes as pol.is data.

A facilitator export holds every table of the workshop, attendee names, emails and
organisations included: it is for the facilitator's own machine. An anonymised package for
an archive is built by :mod:`lpip.archive` (`lpip deposit build`), which sits above this
module: it applies the consent rule, the anonymiser and disclosure control.

The pol.is format (``fmt="polis"``) writes ``comments.csv``, ``votes.csv``,
``participants-votes.csv`` and ``summary.csv`` with the columns of pol.is's open-data exports
(the older format of ``compdemocracy/openData``, e.g. ``scoop-hivemind.biodiversity``), so the
pol.is tools and :func:`lpip.deliberation.polis.read_polis_export` read them. ``group-id`` is
left empty because no opinion groups are computed here (``lpip opinions`` does that).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport
from lpip.workshops.models import (
    Attendee, Contribution, Dot, Participant, Round, TableSeat, Vote, Workshop,
)
from lpip.workshops.workshops import get_workshop, rounds_of
from lpip.spreadsheets import write_csv, write_xlsx

FORMATS = ("csv", "xlsx", "json", "polis")
POLIS_DATETIME = "%a %b %d %H:%M:%S UTC %Y"


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_workshop` wrote: ``paths`` and row counts per table."""

    workshop_id: int
    fmt: str
    paths: tuple[Path, ...]
    rows: dict[str, int]

    def summary(self) -> str:
        kind = "a facilitator export (names included)"
        counts = ", ".join(f"{name} {count}" for name, count in self.rows.items())
        where = self.paths[0].parent if len(self.paths) > 1 else self.paths[0]
        return f"Wrote {kind} of workshop {self.workshop_id} as {self.fmt} to {where}: {counts}."


# ----------------------------------------------------------------------------- overviews


def list_workshops(session: Session) -> pd.DataFrame:
    """Every workshop: id, title, date, subregion, status, tables, rounds, attendees, demo."""
    rounds = select(Round.workshop_id, func.count().label("n")).group_by(Round.workshop_id).subquery()
    people = select(Attendee.workshop_id, func.count().label("n")).group_by(Attendee.workshop_id).subquery()
    rows = session.execute(
        select(Workshop.id, Workshop.title, Workshop.date, Workshop.subregion_code, Workshop.status, Workshop.tables,
               func.coalesce(rounds.c.n, 0), func.coalesce(people.c.n, 0), Workshop.is_demo)
        .outerjoin(rounds, rounds.c.workshop_id == Workshop.id)
        .outerjoin(people, people.c.workshop_id == Workshop.id)
        .order_by(Workshop.id)
    ).all()
    return pd.DataFrame(rows, columns=["id", "title", "date", "subregion", "status", "tables", "rounds",
                                       "attendees", "demo"])


def describe_workshop(session: Session, workshop_id: int) -> dict:
    """A workshop's details, its rounds (a DataFrame) and counts of what it holds."""
    workshop = get_workshop(session, workshop_id)
    rounds = _rounds(session, workshop_id)
    return {
        "id": workshop.id, "title": workshop.title, "subregion": workshop.subregion_code,
        "date": workshop.date, "venue": workshop.venue, "tables": workshop.tables, "status": workshop.status,
        "join_code": workshop.join_code, "dots_per_participant": workshop.dots_per_participant,
        "voting_open": workshop.voting_open, "harvest_open": workshop.harvest_open, "is_demo": workshop.is_demo,
        "rounds": rounds, "counts": _counts(session, workshop_id),
    }


def _rounds(session: Session, workshop_id: int) -> pd.DataFrame:
    return pd.DataFrame(
        [(r.number, r.question, r.minutes, r.status) for r in rounds_of(session, workshop_id)],
        columns=["round", "question", "minutes", "status"],
    )


def _counts(session: Session, workshop_id: int) -> dict[str, int]:
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def contributions(kind: str) -> int:
        return count(Contribution, Contribution.workshop_id == workshop_id, Contribution.kind == kind,
                     Contribution.status == "visible")

    return {
        "attendees": count(Attendee, Attendee.workshop_id == workshop_id),
        "hosts": count(Attendee, Attendee.workshop_id == workshop_id, Attendee.host_table.is_not(None)),
        "seats planned": count(TableSeat, TableSeat.workshop_id == workshop_id),
        "participants": count(Participant, Participant.workshop_id == workshop_id),
        "notes": contributions("note"),
        "statements": contributions("statement"),
        "priorities": contributions("priority"),
        "votes": count(Vote, Vote.contribution_id.in_(
            select(Contribution.id).where(Contribution.workshop_id == workshop_id))),
    }


# ----------------------------------------------------------------------------- tables


def workshop_tables(session: Session, workshop_id: int) -> dict[str, pd.DataFrame]:
    """Every table of a workshop as DataFrames, names included (a facilitator export).

    Tables: about, workshop, rounds, attendees, seats, participants, notes, statements,
    votes, priorities, dots.

    Examples
    --------
    >>> tables = workshop_tables(session, 1)  # doctest: +SKIP
    >>> "name" in tables["attendees"].columns  # doctest: +SKIP
    True
    """
    workshop = get_workshop(session, workshop_id)
    attendees = _attendees(session, workshop_id)
    participants = _participants(session, workshop_id)
    contributions = _contributions(session, workshop_id, participants)
    return {
        "about": _about(workshop),
        "workshop": _workshop_row(session, workshop),
        "rounds": _rounds(session, workshop_id),
        "attendees": attendees.drop(columns=["db_id"]),
        "seats": _seats(session, workshop_id, attendees),
        "participants": participants.drop(columns=["db_id"]),
        **contributions,
        "votes": _votes(session, workshop_id, contributions["statements"], participants),
        "dots": _dots(session, contributions["priorities"], participants),
    }


def _about(workshop: Workshop) -> pd.DataFrame:
    rows = [
        ("workshop", workshop.title),
        ("exported_at", datetime.now(timezone.utc).isoformat(timespec="seconds")),
        ("kind", "facilitator export: contains personal data"),
    ]
    if workshop.is_demo:
        rows.append(("demonstration", "DEMONSTRATION (made-up data): not a real workshop; do not use as evidence"))
    rows.append(("warning", "holds names, emails and organisations: keep it on the facilitator's machine; "
                            "use `lpip deposit build` for an archive"))
    return pd.DataFrame(rows, columns=["key", "value"])


def _workshop_row(session: Session, workshop: Workshop) -> pd.DataFrame:
    return pd.DataFrame([{
        "workshop_id": workshop.id, "title": workshop.title, "subregion_code": workshop.subregion_code,
        "date": workshop.date.isoformat() if workshop.date else None, "venue": workshop.venue,
        "tables": workshop.tables, "rounds": len(rounds_of(session, workshop.id)), "status": workshop.status,
        "dots_per_participant": workshop.dots_per_participant, "is_demo": workshop.is_demo,
        "join_code": workshop.join_code,
    }])


def _attendees(session: Session, workshop_id: int) -> pd.DataFrame:
    query = select(Attendee).where(Attendee.workshop_id == workshop_id).order_by(Attendee.id)
    people = list(session.scalars(query))
    return pd.DataFrame([{
        "db_id": a.id, "attendee": a.id, "name": a.name, "email": a.email, "organisation": a.organisation,
        "sector": a.sector, "home_area": a.home_area_code, "host_table": a.host_table,
        "consent_contact": a.consent_contact, "consent_contact_at": _iso(a.consent_contact_at),
        "consent_deposit": a.consent_deposit, "consent_deposit_at": _iso(a.consent_deposit_at),
    } for a in people], columns=["db_id", "attendee", "name", "email", "organisation", "sector", "home_area",
                                 "host_table", "consent_contact", "consent_contact_at", "consent_deposit",
                                 "consent_deposit_at"])


def _seats(session: Session, workshop_id: int, attendees: pd.DataFrame) -> pd.DataFrame:
    rows = session.execute(
        select(TableSeat.attendee_id, TableSeat.round_number, TableSeat.table_number)
        .where(TableSeat.workshop_id == workshop_id).order_by(TableSeat.round_number, TableSeat.attendee_id)
    ).all()
    numbers = dict(zip(attendees["db_id"], attendees["attendee"]))
    return pd.DataFrame(
        [(numbers[a], r, t) for a, r, t in rows if a in numbers], columns=["attendee", "round", "table"],
    )


def _participants(session: Session, workshop_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(Participant.id, Participant.sector, Participant.created_at)
        .where(Participant.workshop_id == workshop_id).order_by(Participant.id)
    ).all()
    # pol.is numbers participants from 0; the same numbers are used in every table.
    return pd.DataFrame(
        [(pid, number, sector, _iso(at)) for number, (pid, sector, at) in enumerate(rows)],
        columns=["db_id", "participant", "sector", "joined_at"],
    )


def _contributions(session: Session, workshop_id: int, participants: pd.DataFrame) -> dict:
    query = select(Contribution).where(Contribution.workshop_id == workshop_id).order_by(
        Contribution.created_at, Contribution.id)
    rows = list(session.scalars(query))
    numbers = dict(zip(participants["db_id"], participants["participant"]))
    return {
        "notes": _kind_frame([c for c in rows if c.kind == "note"], "note", numbers),
        "statements": _kind_frame([c for c in rows if c.kind == "statement"], "statement", numbers),
        "priorities": _kind_frame([c for c in rows if c.kind == "priority"], "priority", numbers),
    }


def _kind_frame(rows: list[Contribution], kind: str, participants: dict) -> pd.DataFrame:
    records = []
    for number, c in enumerate(rows):
        record = {"db_id": c.id, kind: number, "text": c.text, "status": c.status, "created_at": _iso(c.created_at)}
        if kind == "note":
            record.update(round=c.round_number, table=c.table_number, sector=c.sector, source=c.source)
        elif kind == "statement":
            record.update(author=participants.get(c.participant_id), sector=c.sector)
        records.append(record)
    columns = {"note": ["round", "table", "sector", "source"], "statement": ["author", "sector"], "priority": []}[kind]
    frame = pd.DataFrame(records, columns=["db_id", kind, "text", *columns, "status", "created_at"])
    if kind == "statement":
        frame["author"] = frame["author"].astype("Int64")
    return frame


def _votes(session: Session, workshop_id: int, statements: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    ids = dict(zip(statements["db_id"], statements["statement"]))
    people = dict(zip(participants["db_id"], participants["participant"]))
    rows = session.execute(
        select(Vote.contribution_id, Vote.participant_id, Vote.value, Vote.voted_at)
        .join(Contribution, Contribution.id == Vote.contribution_id)
        .where(Contribution.workshop_id == workshop_id).order_by(Vote.voted_at, Vote.id)
    ).all()
    return pd.DataFrame(
        [(ids[s], people[p], value, _iso(at)) for s, p, value, at in rows if s in ids and p in people],
        columns=["statement", "participant", "vote", "voted_at"],
    )


def _dots(session: Session, priorities: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    ids = dict(zip(priorities["db_id"], priorities["priority"]))
    people = dict(zip(participants["db_id"], participants["participant"]))
    rows = session.execute(
        select(Dot.contribution_id, Dot.participant_id, Dot.dots)
        .where(Dot.contribution_id.in_([int(i) for i in ids])).order_by(Dot.contribution_id, Dot.participant_id)
    ).all() if ids else []
    return pd.DataFrame([(ids[c], people[p], d) for c, p, d in rows if p in people],
                        columns=["priority", "participant", "dots"])


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return _utc(value).isoformat(timespec="seconds")


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; lpip stores UTC.
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# ----------------------------------------------------------------------------- pol.is


def polis_tables(session: Session, workshop_id: int) -> dict[str, pd.DataFrame]:
    """Statements and votes as pol.is open-data tables: comments, votes, participants-votes, summary.

    Columns are those of pol.is's (older) open-data export: ``comments.csv`` has
    timestamp, datetime, comment-id, author-id, agrees, disagrees, moderated, comment-body;
    ``votes.csv`` timestamp, datetime, comment-id, voter-id, vote; ``participants-votes.csv``
    participant, group-id, n-comments, n-votes, n-agree, n-disagree and one column per voted
    comment id. Visible statements are ``moderated`` 1, hidden and withdrawn ones -1.

    Examples
    --------
    >>> polis_tables(session, 1)["comments"].columns[:3].tolist()  # doctest: +SKIP
    ['timestamp', 'datetime', 'comment-id']
    """
    workshop = get_workshop(session, workshop_id)
    tables = workshop_tables(session, workshop_id)
    statements, votes = tables["statements"], tables["votes"]
    comments = _polis_comments(statements, votes)
    return {
        "comments": comments,
        "votes": _polis_votes(votes),
        "participants-votes": _polis_participants(votes, statements),
        "summary": _polis_summary(workshop, tables, comments, votes),
    }


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def _polis_datetime(iso: str) -> str:
    return _utc(datetime.fromisoformat(iso)).strftime(POLIS_DATETIME)


def _polis_comments(statements: pd.DataFrame, votes: pd.DataFrame) -> pd.DataFrame:
    agrees = votes[votes["vote"] == 1].groupby("statement").size()
    disagrees = votes[votes["vote"] == -1].groupby("statement").size()
    return pd.DataFrame({
        "timestamp": statements["created_at"].map(_ms),
        "datetime": statements["created_at"].map(_polis_datetime),
        "comment-id": statements["statement"],
        "author-id": statements["author"],
        "agrees": statements["statement"].map(agrees).fillna(0).astype(int),
        "disagrees": statements["statement"].map(disagrees).fillna(0).astype(int),
        "moderated": statements["status"].map({"visible": 1, "hidden": -1, "withdrawn": -1}).astype(int),
        "comment-body": statements["text"],
    })


def _polis_votes(votes: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "timestamp": votes["voted_at"].map(_ms).astype("int64"),
        "datetime": votes["voted_at"].map(_polis_datetime),
        "comment-id": votes["statement"],
        "voter-id": votes["participant"],
        "vote": votes["vote"],
    }, columns=["timestamp", "datetime", "comment-id", "voter-id", "vote"])


def _polis_participants(votes: pd.DataFrame, statements: pd.DataFrame) -> pd.DataFrame:
    matrix = votes.pivot(index="participant", columns="statement", values="vote").sort_index(axis=1)
    authored = statements["author"].value_counts()
    frame = pd.DataFrame({
        "participant": matrix.index,
        "group-id": pd.Series([pd.NA] * len(matrix), dtype="Int64"),
        "n-comments": matrix.index.map(lambda p: int(authored.get(p, 0))),
        "n-votes": matrix.notna().sum(axis=1).to_numpy(),
        "n-agree": (matrix == 1).sum(axis=1).to_numpy(),
        "n-disagree": (matrix == -1).sum(axis=1).to_numpy(),
    })
    cells = matrix.astype("Int64").reset_index(drop=True)
    cells.columns = [str(c) for c in cells.columns]
    return pd.concat([frame.reset_index(drop=True), cells], axis=1)


def _polis_summary(workshop: Workshop, tables: dict, comments: pd.DataFrame, votes: pd.DataFrame) -> pd.DataFrame:
    description = f"World-café workshop{' on ' + workshop.date.isoformat() if workshop.date else ''}" \
        f"{' (' + workshop.subregion_code + ')' if workshop.subregion_code else ''}; exported by lpip."
    if workshop.is_demo:
        description = "DEMONSTRATION (made-up data). " + description
    rows = [
        ("topic", workshop.title), ("url", ""), ("views", len(tables["participants"])),
        ("voters", votes["participant"].nunique()), ("voters-in-conv", votes["participant"].nunique()),
        ("commenters", comments["author-id"].dropna().nunique()),
        ("comments", votes["statement"].nunique()), ("groups", 0), ("conversation-description", description),
    ]
    return pd.DataFrame(rows, columns=["key", "value"])


# ----------------------------------------------------------------------------- writing


def export_workshop(session: Session, workshop_id: int, fmt: str, out: str | Path) -> ExportResult:
    """Write a workshop's data: ``csv`` or ``polis`` to a folder, ``xlsx`` or ``json`` to a file.

    Parameters
    ----------
    fmt : ``csv`` (one file per table in the folder ``out``), ``xlsx`` (one sheet per table),
        ``json`` (one document, a list of records per table) or ``polis`` (the pol.is
        open-data files in the folder ``out``).

    Examples
    --------
    >>> export_workshop(session, 1, "polis", "out/polis").paths  # doctest: +SKIP
    """
    if fmt not in FORMATS:
        raise InvalidExport(f"Format {fmt!r} is not one of {', '.join(FORMATS)}.")
    out = Path(out)
    _check_destination(out, fmt)
    if fmt == "polis":
        tables = polis_tables(session, workshop_id)
        paths = _write_polis(tables, out)
    else:
        tables = {name: frame.drop(columns=["db_id"], errors="ignore")
                  for name, frame in workshop_tables(session, workshop_id).items()}
        paths = {"csv": _write_csv_folder, "xlsx": _write_xlsx, "json": _write_json}[fmt](tables, out)
    rows = {name: len(frame) for name, frame in tables.items() if name not in ("about", "summary", "workshop")}
    return ExportResult(workshop_id, fmt, tuple(paths), rows)


def _check_destination(out: Path, fmt: str) -> None:
    if fmt in ("csv", "polis"):
        if out.exists() and not out.is_dir():
            raise InvalidExport(f"{out} is a file; the {fmt} export writes several files into a folder. Give a folder path.")
        if not out.parent.is_dir():
            raise InvalidExport(f"{out}: the folder {out.parent} does not exist; create it or choose another path.")
        return
    if out.suffix.lower() != f".{fmt}":
        raise InvalidExport(f"{out}: the {fmt} export is one file; name it with .{fmt}, e.g. workshop.{fmt}.")
    if not out.parent.is_dir():
        raise InvalidExport(f"{out}: the folder {out.parent} does not exist; create it or choose another path.")


def _write_csv_folder(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    out.mkdir(exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        write_csv(frame, path)
        paths.append(path)
    return paths


def _write_xlsx(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    write_xlsx(tables, out)
    return [out]


def _write_json(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    document = {name: json.loads(frame.to_json(orient="records", force_ascii=False)) for name, frame in tables.items()}
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [out]


def _write_polis(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    out.mkdir(exist_ok=True)
    paths = []
    for name in ("comments", "votes", "participants-votes"):
        path = out / f"{name}.csv"
        write_csv(tables[name], path)
        paths.append(path)
    summary = out / "summary.csv"
    # summary.csv is key,value pairs with no header row, as pol.is writes it.
    write_csv(tables["summary"], summary, header=False)
    return [*paths, summary]
