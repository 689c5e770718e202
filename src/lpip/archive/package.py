"""Building a deposit package (``lpip deposit build``): the folder, its optional reproducible
zip, and the private folder beside it.

Layout (fixed, so that archives and scripts can rely on it)::

    DIR/
      datapackage.json              Frictionless Data Package: every CSV with its Table Schema
      data/workshops.csv rounds.csv participants.csv contributions.csv votes.csv dots.csv
           codes.csv coding.csv themes.csv [priorities.csv plan.csv]
      evidence/indicator_values.csv sources.csv          (with --with-evidence)
      metadata/ddi_codebook.xml     DDI-Codebook 2.5
      docs/README.txt data_dictionary.csv data_dictionary.html health_check.html
      LICENSE                       licence or access note
      MANIFEST-sha256.txt           SHA-256 of every other file
    DIR.zip                         (with --zip) the same files, byte-identical for the same inputs
    DIR.private/                    anonymisation log (and review file): personal data, never deposited

Nothing in the package depends on the clock: dates come from the data, the zip's entries
are sorted and carry a fixed timestamp, so the same database gives the same bytes.
"""

from __future__ import annotations

import json
import shutil
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip import __version__
from lpip.archive.anonymise import (
    Anonymiser,
    anonymiser_for,
    coarser_areas,
    redaction_records,
)
from lpip.archive.check import (
    MANIFEST,
    CheckResult,
    check_package,
    health_check_html,
    sha256,
)
from lpip.archive.collect import Collected, collect
from lpip.archive.ddi import StudyInfo, ddi_codebook
from lpip.archive.disclosure import QUASI_IDENTIFIERS
from lpip.archive.documents import (
    LICENCES,
    data_dictionary,
    data_dictionary_html,
    licence_text,
    readme,
)
from lpip.archive.review import APPLIED_REVIEW, private_folder, read_review, write_log
from lpip.archive.tables import CORE_TABLES, EVIDENCE_TABLES, PROGRAMME_TABLES
from lpip.errors import InvalidDeposit
from lpip.spreadsheets import write_csv
from lpip.tabledesc import TableDescription, to_resource
from lpip.workshops.models import Contribution, Workshop
from lpip.workshops.workshops import get_workshop

ACCESS = tuple(LICENCES)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Checked after the manifest is written (the rest before, for docs/health_check.html).
FINAL_CHECKS = ("manifest", "required files")
MIN_K, MAX_K = 2, 50


@dataclass
class DepositResult:
    """What :func:`build_deposit` wrote and found."""

    folder: Path
    zip: Path | None
    private: Path
    rows: dict[str, int]
    k: int
    k_achieved: int
    withheld: dict[str, int]
    check: CheckResult
    steps: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{name} {count}" for name, count in self.rows.items())
        withheld = ", ".join(f"{count} {what}" for what, count in sorted(self.withheld.items())) or "nothing"
        lines = [f"Wrote the deposit package {self.folder}" + (f" and {self.zip}" if self.zip else "") + f": {counts}.",
                 f"Withheld for want of consent: {withheld}.",
                 f"k-anonymity of participants: asked {self.k}, achieved {self.k_achieved}"
                 + (f" ({'; '.join(self.steps)})" if self.steps else "") + ".",
                 f"The anonymisation log (personal data, not for deposit) is in {self.private}.",
                 "Health check: " + ("passed." if self.check.ok else f"{len(self.check.problems)} problem(s); "
                                     f"see {self.folder / 'docs' / 'health_check.html'}.")]
        return "\n".join(lines)


def build_deposit(session: Session, out: str | Path, workshop_ids: list[int] | None = None, *,
                  all_workshops: bool = False, with_evidence: bool = False, with_programme: bool = False,
                  zip_package: bool = False, k: int = 3, access: str = "open", review: str | Path | None = None,
                  study: str | Path | None = None, outward_postcodes: bool = False, seed: int = 0) -> DepositResult:
    """Build an anonymised, documented deposit package of some workshops (or all).

    Parameters
    ----------
    out : the package folder to write (``DIR``); ``DIR.private`` and ``DIR.zip`` go beside it.
    workshop_ids, all_workshops : the workshops; give ids or ``all_workshops=True``.
    with_evidence : add the figures of the workshops' sub-regional data packs.
    with_programme : add the priorities and the plan from lpip.synthesis.
    zip_package : also write the reproducible ``DIR.zip``.
    k : the smallest group of participants sharing quasi-identifiers (disclosure control).
    access : ``open`` (CC BY 4.0) or ``safeguarded`` (UK Data Service End User Licence).
    review : an edited ``redactions_review.csv`` whose decisions are applied.
    study : a TOML file with the study's title, abstract, producers ... (see docs/deposit.md).
    outward_postcodes : also replace outward postcodes alone ("B66").

    Examples
    --------
    >>> build_deposit(session, "deposit", all_workshops=True, zip_package=True).summary()  # doctest: +SKIP
    """
    _check_options(k, access)
    workshops = choose_workshops(session, workshop_ids, all_workshops)
    out = Path(out)
    decisions = read_review(review) if review is not None else {}
    info_file = _read_study_file(study) if study is not None else {}
    _prepare(out)
    anonymiser = anonymiser_for(session, outward_postcodes=outward_postcodes, decisions=decisions)
    collected = collect(session, workshops, anonymiser, k=k, seed=seed)
    tables = list(zip(CORE_TABLES, (collected.tables[t.name] for t in CORE_TABLES)))
    if with_programme:
        from lpip.archive.programme import programme_tables

        extra = programme_tables(session, anonymiser, [w.id for w in workshops])
        tables += [(t, extra[t.name]) for t in PROGRAMME_TABLES]
    if with_evidence:
        from lpip.archive.evidence import evidence_tables

        extra = evidence_tables(session, workshops)
        tables += [(t, extra[t.name]) for t in EVIDENCE_TABLES]
    info = study_info(session, workshops, collected, info_file, access, anonymiser)
    _write_package(out, tables, info, collected, access, k, anonymiser)
    write_log(redaction_records(anonymiser.log), out)
    if review is not None:
        shutil.copyfile(review, private_folder(out) / APPLIED_REVIEW)
    check = _finish(session, out, info, decisions)
    zipped = write_zip(out) if zip_package else None
    return DepositResult(out, zipped, private_folder(out), {t.name: len(f) for t, f in tables}, k,
                         collected.disclosure.k_achieved, dict(collected.withheld), check, collected.disclosure.steps)


def choose_workshops(session: Session, workshop_ids: list[int] | None, all_workshops: bool) -> list[Workshop]:
    """The workshops asked for, checked: real ones (no demonstrations), at least one."""
    if all_workshops and workshop_ids:
        raise InvalidDeposit("Give --workshop ID (one or more) or --all, not both.")
    if all_workshops:
        workshops = list(session.scalars(select(Workshop).where(Workshop.is_demo.is_(False)).order_by(Workshop.id)))
        if not workshops:
            raise InvalidDeposit("There are no workshops to deposit (demonstration workshops never go in). "
                                 "Create one with `lpip workshops create`.")
        return workshops
    if not workshop_ids:
        raise InvalidDeposit("Say which workshops to deposit: --workshop ID (repeat it for several) or --all.")
    workshops = [get_workshop(session, i) for i in dict.fromkeys(workshop_ids)]
    demos = [w.id for w in workshops if w.is_demo]
    if demos:
        raise InvalidDeposit(f"Workshop {', '.join(map(str, demos))} is a demonstration with made-up data; it cannot be "
                             "deposited. Leave it out (`lpip workshops list` shows which are demonstrations).")
    return sorted(workshops, key=lambda w: w.id)


def _check_options(k: int, access: str) -> None:
    if not isinstance(k, int) or not MIN_K <= k <= MAX_K:
        raise InvalidDeposit(f"--k {k!r}: k must be a whole number from {MIN_K} to {MAX_K} (3 is usual).")
    if access not in ACCESS:
        raise InvalidDeposit(f"--access {access!r}: choose open or safeguarded.")


def _prepare(out: Path) -> None:
    """An empty package folder and private folder: an earlier package there is replaced,
    anything else is refused."""
    if out.exists() and not out.is_dir():
        raise InvalidDeposit(f"{out} is a file; --out names the package folder to write.")
    if not out.parent.is_dir():
        raise InvalidDeposit(f"{out}: the folder {out.parent} does not exist; create it or choose another --out.")
    if out.is_dir() and any(out.iterdir()):
        if not (out / "datapackage.json").is_file():
            raise InvalidDeposit(f"{out} is a folder with other files in it; give a new or empty folder for the package.")
        shutil.rmtree(out)
    private = private_folder(out)
    if private.is_dir():
        for name in ("anonymisation_log.csv", APPLIED_REVIEW):
            (private / name).unlink(missing_ok=True)
    out.mkdir(exist_ok=True)


def _read_study_file(path: str | Path) -> dict:
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidDeposit(f"{path}: study file not found. Check the path given to --study.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidDeposit(f"{path}: cannot read it as UTF-8 TOML ({exc}).") from None


# ----------------------------------------------------------------------------- the study


def study_info(session: Session, workshops: list[Workshop], collected: Collected, given: dict, access: str,
               anonymiser: Anonymiser) -> StudyInfo:
    """The study description: what ``--study`` gives, the rest from the data."""
    dates = sorted(w.date.isoformat() for w in workshops if w.date)
    geography = _geography(session, workshops)
    consent = collected.consent
    years = f"{dates[0][:4]}" + (f"-{dates[-1][:4]}" if dates and dates[-1][:4] != dates[0][:4] else "") if dates else ""
    title = given.get("title") or f"Local Policy Innovation Partnership workshops{', ' + geography[0] if geography else ''}" \
        f"{', ' + years if years else ''}"
    producers = [(str(p.get("name", "")), str(p.get("affiliation", ""))) for p in given.get("producers", []) if p.get("name")]
    citation = given.get("citation") or (
        f"{'; '.join(n for n, _a in producers) + '. ' if producers else ''}{title} [data collection]. "
        f"{dates[-1][:4] + '. ' if dates else ''}UK Data Service.")
    return StudyInfo(
        title=title,
        abstract=given.get("abstract") or (
            f"Data from {len(workshops)} sub-regional stakeholder workshop(s) run with lpip (world café: table "
            "conversations in rounds, notes captured live and on paper, statements voted on, priorities chosen with "
            "dots), with the codebook and themes of what was said."),
        producers=producers, depositor=str(given.get("depositor", "")), funder=str(given.get("funder", "")),
        grant_number=str(given.get("grant_number", "")),
        keywords=list(given.get("keywords") or ["local policy", "stakeholder engagement", "world cafe", "deliberation",
                                                "regional development", "inclusive growth"]),
        geography=geography, start=dates[0] if dates else None, end=dates[-1] if dates else None,
        produced=_data_date(session, workshops),
        universe="People who took part in the workshops (registered attendees and walk-ins) and consented to archiving.",
        data_collection=("World café workshops: rounds of table conversations on set questions; table hosts typed "
                         "notes live on a web page (live capture) or notes were written on paper and typed up; "
                         "participants on phones put statements to the room and voted agree, disagree or pass; the "
                         "harvest ranked priorities with dots."),
        sampling="Purposive: stakeholders invited from the public, private, voluntary and community sectors, civil "
                 "society, universities and residents; walk-ins could join with the workshop code.",
        consent=(f"Registered attendees were asked on registration whether they consent to an anonymised deposit "
                 f"({len(consent.attendees)} did, {consent.attendees_refused} did not). People who joined on a phone "
                 f"are included only when they consented on the join page ({len(consent.participants)} did; "
                 f"{consent.participants_refused} gave no consent and are left out). Table notes and paper notes are "
                 f"included only for workshops whose facilitator declared them collected under consent "
                 f"({len(consent.notes_workshops)} of {len(workshops)})."),
        anonymisation=("Names of people the system knows (attendees, facilitators, partners) in every form, names "
                       "after a title, organisations (with and without 'Ltd', 'the' and their initials), emails, UK "
                       "phone numbers, postcodes, URLs, National Insurance numbers, dates of birth and street addresses "
                       "were replaced by bracketed, typed labels ([person 3], [organisation: faith group], [phone]); "
                       "the same person has the same label in every file. Participants are pseudonymised (P0001 ...); "
                       "their organisation is described by its kind only; home areas are coarsened to district or "
                       "wider. " + ("A named-entity model also looked for unknown names. " if anonymiser.ner else
                                    "No named-entity model was used: names the system does not know may remain. ")),
        access=(LICENCES[access][1] + (": open access." if access == "open" else
                                      ": safeguarded, for registered users of the UK Data Service.")),
        citation=citation, software=f"lpip {__version__}",
    )


def _geography(session: Session, workshops: list[Workshop]) -> list[str]:
    from lpip.geography.models import Area, AreaLink

    codes = sorted({w.subregion_code for w in workshops if w.subregion_code})
    names = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())
    members = session.scalars(select(AreaLink.child_code).where(AreaLink.parent_code.in_(codes))).all()
    region_codes = sorted({c["region"] for c in coarser_areas(session, members).values() if c["region"]})
    regions = session.execute(select(Area.code, Area.name, Area.itl_code).where(Area.code.in_(region_codes))
                              .order_by(Area.code)).all()
    found = [f"{name} (England, {code}" + (f", ITL1 {itl}" if itl else "") + ")" for code, name, itl in regions]
    return found + [f"{names.get(code, code)} ({code})" for code in codes]


def _data_date(session: Session, workshops: list[Workshop]) -> str | None:
    latest = session.scalar(select(func.max(Contribution.updated_at))
                            .where(Contribution.workshop_id.in_([w.id for w in workshops])))
    dates = [w.date for w in workshops if w.date]
    candidates = [latest.date() if latest else None, max(dates) if dates else None]
    candidates = [c for c in candidates if c is not None]
    return max(candidates).isoformat() if candidates else None


# ----------------------------------------------------------------------------- writing


def _write_package(out: Path, tables: list[tuple[TableDescription, pd.DataFrame]], info: StudyInfo,
                   collected: Collected, access: str, k: int, anonymiser: Anonymiser) -> None:
    for table, frame in tables:
        path = out / table.path
        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(frame, path)
    descriptions = [t for t, _f in tables]
    (out / "datapackage.json").write_text(json.dumps(datapackage(descriptions, info, access, k, anonymiser), indent=2,
                                                     ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "metadata").mkdir(exist_ok=True)
    (out / "metadata" / "ddi_codebook.xml").write_bytes(ddi_codebook(info, tables))
    (out / "docs").mkdir(exist_ok=True)
    facts = {"k": k, "sectors": collected.sectors, "withheld": collected.withheld,
             "disclosure": _disclosure_lines(collected, k)}
    (out / "docs" / "README.txt").write_text(readme(info, tables, facts), encoding="utf-8")
    dictionary = data_dictionary(descriptions)
    write_csv(dictionary, out / "docs" / "data_dictionary.csv")
    (out / "docs" / "data_dictionary.html").write_text(data_dictionary_html(dictionary, info.title), encoding="utf-8")
    (out / "LICENSE").write_text(licence_text(access, info), encoding="utf-8")


def _disclosure_lines(collected: Collected, k: int) -> list[str]:
    result = collected.disclosure
    lines = [f"Quasi-identifiers of participants ({', '.join(QUASI_IDENTIFIERS)}) were checked for k-anonymity with "
             f"k = {k}: every combination in participants.csv is shared by at least {result.k_achieved} people."]
    lines.append(("Coarsened: " + "; ".join(result.steps) + ".") if result.steps else "Nothing needed coarsening.")
    if result.suppressed:
        lines.append(f"The quasi-identifiers of {result.suppressed} participant(s) are written as 'suppressed'.")
    if collected.themes_note:
        lines.append(f"Themes: {collected.themes_note}")
    return lines


def datapackage(tables: list[TableDescription], info: StudyInfo, access: str, k: int, anonymiser: Anonymiser) -> dict:
    """The Frictionless Data Package descriptor of the package."""
    key, title, url = LICENCES[access]
    descriptor = {
        "profile": "tabular-data-package",
        "name": "lpip-deposit",
        "title": info.title,
        "description": info.abstract,
        "version": "1.0.0",
        "created": f"{info.produced}T00:00:00Z" if info.produced else None,
        "licenses": [{"name": key, "title": title, "path": url}],
        "contributors": [{"title": name, "role": "author", "organization": affiliation or None}
                         for name, affiliation in info.producers] or None,
        "sources": [{"title": "Workshops run with lpip (live capture, paper notes, votes)"}],
        "keywords": info.keywords,
        "spatialCoverage": info.geography,
        "temporalCoverage": {"start": info.start, "end": info.end},
        "lpip": {"k": k, "access": access, "ner": anonymiser.ner is not None, "version": __version__},
        "resources": [to_resource(t) for t in tables],
    }
    for contributor in descriptor["contributors"] or []:
        if contributor["organization"] is None:
            del contributor["organization"]
    return {key: value for key, value in descriptor.items() if value is not None}


def _finish(session: Session, out: Path, info: StudyInfo, decisions: dict) -> CheckResult:
    """Run the health check, write it, then the manifest (which covers the health check)."""
    scrub = anonymiser_for(session, use_ner=False, decisions=decisions).scrub
    first = check_package(out, scrub, skip=FINAL_CHECKS)
    (out / "docs" / "health_check.html").write_text(health_check_html(first, info.title), encoding="utf-8")
    write_manifest(out)
    final = check_package(out, scrub, only=FINAL_CHECKS)
    first.problems += final.problems
    first.passed += final.passed
    return first


def write_manifest(out: Path) -> Path:
    """``MANIFEST-sha256.txt``: ``SHA256  path`` for every other file, sorted by path."""
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != MANIFEST)
    lines = [f"{sha256(out / name)}  {name}" for name in files]
    path = out / MANIFEST
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_zip(out: Path) -> Path:
    """``DIR.zip`` beside the folder: sorted entries under ``DIR/``, fixed timestamps and
    permissions, deflate: the same files give the same bytes."""
    target = out.with_name(out.name + ".zip")
    files = sorted(p for p in out.rglob("*") if p.is_file())
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            entry = zipfile.ZipInfo(f"{out.name}/{path.relative_to(out).as_posix()}", date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            archive.writestr(entry, path.read_bytes(), compresslevel=9)
    return target
