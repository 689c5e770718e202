"""Attendees: register them one by one or import a list (CSV/XLSX); export the list.

Attendee lists are personal data (names, emails, organisations). They are for the
facilitator, who runs lpip on their own machine; they are never part of a deposit export
(see :mod:`lpip.workshops.exports`).

An attendee list has the columns ``name`` and ``sector`` and optionally ``email``,
``organisation``, ``home_area`` (a GSS code), ``host_table`` (the table they host in every
round), ``consent_contact`` and ``consent_deposit`` (yes/no/true/false/1/0; blank is no) and
``knew_before`` (from the registration form: the emails or names of other attendees they knew
before the workshop, separated by ``;``; stored as prior ties for the networks, see
:mod:`lpip.workshops.relationships`). A consent given in the file is recorded with the time of
the import. The import is all or
nothing, like the other imports: every problem is reported with its row, column and fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidContribution, InvalidExport
from lpip.geography.areas import known_areas
from lpip.geography.codes import suggestion
from lpip.workshops.imports import (
    Problems, check_columns, parse_sector, parse_whole_number, parse_yes_no, read_sheet,
)
from lpip.workshops.models import SECTORS, Attendee, Workshop, utcnow
from lpip.workshops.relationships import AttendeeDirectory, split_people, store_prior_ties
from lpip.workshops.workshops import get_workshop
from lpip.spreadsheets import write_csv, write_xlsx
from lpip.text import clean_text

REQUIRED_COLUMNS = ("name", "sector")
OPTIONAL_COLUMNS = ("email", "organisation", "home_area", "host_table", "consent_contact", "consent_deposit",
                    "knew_before")
ALIASES = {"organization": "organisation", "home_area_code": "home_area", "e-mail": "email", "e_mail": "email"}
EXPORT_COLUMNS = ("attendee_id", "name", "email", "organisation", "sector", "home_area", "host_table",
                  "consent_contact", "consent_contact_at", "consent_deposit", "consent_deposit_at")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LIMITS = {"name": 200, "email": 254, "organisation": 300}


@dataclass(frozen=True)
class AttendeeImportResult:
    """What :func:`import_attendees` stored.

    Attributes
    ----------
    workshop_id : the workshop.
    added : attendees registered.
    hosts : of those, table hosts.
    consent_deposit : of those, attendees who consented to an anonymised deposit.
    ignored_columns : columns of the file that lpip does not store.
    """

    workshop_id: int
    added: int
    hosts: int
    consent_deposit: int
    ignored_columns: tuple[str, ...] = ()

    def summary(self) -> str:
        text = (f"Registered {self.added} attendees for workshop {self.workshop_id} "
                f"({self.hosts} table hosts, {self.consent_deposit} consenting to an anonymised deposit)")
        if self.ignored_columns:
            text += f"; ignored the column(s) {', '.join(self.ignored_columns)}"
        return text + "."


class _Context:
    """What a row is checked against: the workshop, known areas, emails and host tables taken."""

    def __init__(self, session: Session, workshop: Workshop):
        self.workshop = workshop
        self._session = session
        self._areas: dict[str, str] | None = None
        taken = session.execute(
            select(Attendee.email, Attendee.host_table, Attendee.name).where(Attendee.workshop_id == workshop.id)
        ).all()
        self.emails = {email.lower(): f"already registered ({name})" for email, _table, name in taken if email}
        self.hosts = {table: f"already hosted by {name}" for _email, table, name in taken if table}

    @property
    def areas(self) -> dict[str, str]:
        if self._areas is None:
            self._areas = known_areas(self._session)
        return self._areas


def check_attendee(cells: dict[str, str], context: _Context, where: str = "") -> tuple[dict, list[tuple[str, str]]]:
    """Check one attendee's cells; return the clean values and (column, problem) pairs.

    Emails and host tables accepted here are added to ``context`` so that a later row with
    the same email or host table is reported; ``where`` names this row for those messages.
    """
    problems: list[tuple[str, str]] = []
    clean = {column: _text(cells, column, problems) for column in LIMITS}
    if not clean["name"]:
        problems.append(("name", "the name is empty; write the attendee's name"))
    cells = {column: clean_text(text, single_line=True) for column, text in cells.items()}
    clean["sector"] = _sector(cells.get("sector", ""), problems)
    clean["email"] = _email(clean["email"], context, where, problems)
    clean["home_area_code"] = _home_area(cells.get("home_area", ""), context, problems)
    clean["host_table"] = _host_table(cells.get("host_table", ""), context, where, problems)
    for column in ("consent_contact", "consent_deposit"):
        clean[column] = parse_yes_no(cells.get(column, ""))
        if clean[column] is None:
            problems.append((column, f"{cells[column]!r} is not yes or no; write yes or no (or leave it empty for no)"))
    return clean, problems


def _text(cells: dict, column: str, problems: list) -> str | None:
    value = " ".join(clean_text(cells.get(column, ""), single_line=True).split())
    if len(value) > LIMITS[column]:
        problems.append((column, f"the {column} is {len(value)} characters long; the limit is {LIMITS[column]}"))
    return value or None


def _sector(text: str, problems: list) -> str | None:
    if not text.strip():
        problems.append(("sector", f"the sector is empty; write one of: {', '.join(SECTORS)}"))
        return None
    sector, message = parse_sector(text)
    if message:
        problems.append(("sector", message))
    return sector


def _email(email: str | None, context: _Context, where: str, problems: list) -> str | None:
    if email is None:
        return None
    email = email.lower()
    if not EMAIL.match(email):
        problems.append(("email", f"{email!r} is not an email address; correct it or leave the cell empty"))
        return None
    if email in context.emails:
        problems.append(("email", f"{email} is {context.emails[email]}; each attendee needs their own email "
                                  "address (or leave it empty)"))
        return None
    context.emails[email] = f"also in {where}" if where else "already registered"
    return email


def _home_area(text: str, context: _Context, problems: list) -> str | None:
    code = text.strip().upper()
    if not code:
        return None
    if code not in context.areas:
        problems.append(("home_area", f"{code} is not a known area code{suggestion(code, context.areas)} "
                                      "Use a GSS code such as E08000025, or leave the cell empty"))
        return None
    return code


def _host_table(text: str, context: _Context, where: str, problems: list) -> int | None:
    if not text.strip():
        return None
    tables = context.workshop.tables
    table = parse_whole_number(text)
    if table is None or not 1 <= table <= tables:
        problems.append(("host_table", f"{text!r} is not a table of this workshop; write a number from 1 to {tables}, "
                                       "or leave it empty for attendees who move"))
        return None
    if table in context.hosts:
        problems.append(("host_table", f"table {table} is {context.hosts[table]}; each table has one host"))
        return None
    context.hosts[table] = f"also hosted in {where}" if where else "already hosted"
    return table


def _attendee(workshop_id: int, clean: dict, now) -> Attendee:
    return Attendee(
        workshop_id=workshop_id, name=clean["name"], email=clean["email"], organisation=clean["organisation"],
        sector=clean["sector"], home_area_code=clean["home_area_code"], host_table=clean["host_table"],
        consent_contact=clean["consent_contact"], consent_contact_at=now if clean["consent_contact"] else None,
        consent_deposit=clean["consent_deposit"], consent_deposit_at=now if clean["consent_deposit"] else None,
    )


def register_attendee(
    session: Session,
    workshop_id: int,
    name: str,
    sector: str,
    email: str | None = None,
    organisation: str | None = None,
    home_area: str | None = None,
    host_table: int | None = None,
    consent_contact: bool = False,
    consent_deposit: bool = False,
) -> Attendee:
    """Register one attendee, with the same checks as an import; consents are timed now.

    Examples
    --------
    >>> register_attendee(session, 1, "Sam Patel", "public", email="sam@example.org")  # doctest: +SKIP
    """
    workshop = get_workshop(session, workshop_id)
    cells = dict(name=name, sector=sector, email=email or "", organisation=organisation or "",
                 home_area=home_area or "", host_table="" if host_table is None else str(host_table),
                 consent_contact="yes" if consent_contact else "no", consent_deposit="yes" if consent_deposit else "no")
    clean, problems = check_attendee(cells, _Context(session, workshop))
    if problems:
        raise InvalidContribution("The attendee was not registered:", [f"{column}: {text}" for column, text in problems])
    attendee = _attendee(workshop.id, clean, utcnow())
    session.add(attendee)
    session.flush()
    return attendee


def import_attendees(session: Session, workshop_id: int, path: str | Path) -> AttendeeImportResult:
    """Register the attendees listed in a CSV or XLSX file; all rows or none.

    Parameters
    ----------
    session : an open session; the caller commits.
    workshop_id : the workshop they attend.
    path : a file with the columns ``name, sector`` and optionally ``email, organisation,
        home_area, host_table, consent_contact, consent_deposit``.

    Raises
    ------
    InvalidWorkshopFile
        Listing every problem (``exc.errors``): an unknown sector (with the nearest one), a
        repeated email (in the file or already registered), an unknown area code, a table
        the workshop does not have ...; nothing has been written.

    Examples
    --------
    >>> import_attendees(session, 1, "attendees.xlsx").summary()  # doctest: +SKIP
    'Registered 40 attendees for workshop 1 (8 table hosts, 31 consenting to an anonymised deposit).'
    """
    workshop = get_workshop(session, workshop_id)
    sheet = read_sheet(path, ALIASES)
    problems = Problems(sheet)
    ignored = [c for c in check_columns(sheet, problems, REQUIRED_COLUMNS, OPTIONAL_COLUMNS) if c not in EXPORT_COLUMNS]
    problems.raise_if_any()
    context, rows = _Context(session, workshop), []
    for number, cells in sheet.rows:
        clean, found = check_attendee(cells, context, where=f"row {number}")
        for column, text in found:
            problems.add(text, number, column)
        rows.append(clean)
    knew = _knew_before(session, workshop.id, sheet, rows, problems)
    problems.raise_if_any()
    now = utcnow()
    added = [_attendee(workshop.id, clean, now) for clean in rows]
    session.add_all(added)
    session.flush()
    real = {-(i + 1): attendee.id for i, attendee in enumerate(added)}
    store_prior_ties(session, workshop.id, [(real.get(a, a), real.get(b, b)) for a, b in knew], source="registration")
    return AttendeeImportResult(
        workshop.id, len(rows), sum(r["host_table"] is not None for r in rows),
        sum(bool(r["consent_deposit"]) for r in rows), tuple(ignored),
    )


def _knew_before(session: Session, workshop_id: int, sheet, rows: list[dict], problems) -> list[tuple[int, int]]:
    """Pairs (attendee ids; file rows as -1, -2, ...) from the registration form's ``knew_before``."""
    if "knew_before" not in sheet.columns:
        return []
    directory = AttendeeDirectory.of_workshop(session, workshop_id)
    for i, clean in enumerate(rows):
        if clean["name"]:
            directory.add(-(i + 1), clean["email"], clean["name"])
    pairs = []
    for i, (number, cells) in enumerate(sheet.rows):
        for other in split_people(cells.get("knew_before", "")):
            found, problem = directory.find(other)
            if problem:
                problems.add(problem, number, "knew_before")
            elif found != -(i + 1):
                pairs.append((-(i + 1), found))
    return pairs


def list_attendees(session: Session, workshop_id: int) -> pd.DataFrame:
    """The workshop's attendees with their personal data (for the facilitator only).

    Columns: attendee_id, name, email, organisation, sector, home_area, host_table,
    consent_contact, consent_contact_at, consent_deposit, consent_deposit_at.
    """
    get_workshop(session, workshop_id)
    rows = session.execute(
        select(Attendee.id, Attendee.name, Attendee.email, Attendee.organisation, Attendee.sector,
               Attendee.home_area_code, Attendee.host_table, Attendee.consent_contact, Attendee.consent_contact_at,
               Attendee.consent_deposit, Attendee.consent_deposit_at)
        .where(Attendee.workshop_id == workshop_id).order_by(Attendee.id)
    ).all()
    frame = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
    frame["host_table"] = frame["host_table"].astype("Int64")
    for column in ("consent_contact", "consent_deposit"):
        frame[column] = frame[column].map({True: "yes", False: "no"})
    return frame


def export_attendees(session: Session, workshop_id: int, path: str | Path) -> pd.DataFrame:
    """Write the attendee list to a CSV or XLSX file that :func:`import_attendees` reads back.

    The file holds names, emails and organisations: it is for the facilitator, not for deposit.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidExport(f"{path}: attendee lists are written as .csv or .xlsx; name the file e.g. attendees.csv.")
    frame = list_attendees(session, workshop_id)
    for column in ("consent_contact_at", "consent_deposit_at"):
        frame[column] = frame[column].map(lambda value: value.isoformat() if pd.notna(value) and value else None)
    if not path.parent.is_dir():
        raise InvalidExport(f"{path}: the folder {path.parent} does not exist; create it or choose another path.")
    if suffix == ".csv":
        write_csv(frame, path)
    else:
        write_xlsx({"attendees": frame}, path)
    return frame
