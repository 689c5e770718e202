"""The workshop report on the page: one self-contained HTML document (figures embedded as
data URIs), or a PDF made from it. What it says is :func:`lpip.deliberation.report.build_report`;
every piece of text it prints (quotes, statements, priorities, theme terms, notes) is
anonymised here with the one anonymiser (:func:`lpip.archive.anonymise.scrubber_for`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from collections.abc import Callable

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from lpip.deliberation.report import Section, WorkshopReport, build_report
from lpip.errors import InvalidExport

DEMO_LABEL = "DEMONSTRATION (made-up data)"
REPORT_SUFFIXES = (".html", ".pdf")


def report_html(report: WorkshopReport) -> str:
    """The report as one self-contained HTML document."""
    environment = Environment(loader=PackageLoader("lpip.reports", "templates"),
                              autoescape=select_autoescape(["html"]))
    return environment.get_template("workshop_report.html").render(report=report, demo_label=DEMO_LABEL,
                                                                    made=date.today().isoformat())


def render_report(session: Session, target: str | int, seed: int = 0) -> str:
    """The report of a workshop id or sub-region code as HTML, every printed text anonymised."""
    return report_html(anonymise_report(build_report(session, target, seed=seed), _scrubber(session)))


def write_report(session: Session, target: str | int, out: str | Path, seed: int = 0) -> Path:
    """Write the workshop (or sub-region) report as HTML or PDF, chosen by the file's suffix.

    Examples
    --------
    >>> write_report(session, 1, "report.html")  # doctest: +SKIP
    PosixPath('report.html')
    """
    out = Path(out)
    if out.suffix.lower() not in REPORT_SUFFIXES:
        raise InvalidExport(f"{out}: a report is .html or .pdf; name the file e.g. report.html or report.pdf.")
    if not out.parent.is_dir():
        raise InvalidExport(f"{out}: the folder {out.parent} does not exist; create it or choose another path.")
    weasyprint = _weasyprint() if out.suffix.lower() == ".pdf" else None
    html = render_report(session, target, seed=seed)
    if weasyprint is None:
        out.write_text(html, encoding="utf-8")
    else:
        weasyprint.HTML(string=html).write_pdf(out)
    return out


def _scrubber(session: Session) -> Callable[[str], str]:
    """The one wrapper through which the report anonymises what it prints."""
    from lpip.archive.anonymise import scrubber_for

    return scrubber_for(session)


def anonymise_report(report: WorkshopReport, scrub: Callable[[str], str]) -> WorkshopReport:
    """The report with every text cell, note and title passed through ``scrub``."""
    report.title = scrub(report.title)
    report.workshops = _scrub_frame(report.workshops, scrub)
    for section in _sections(report):
        section.notes = [scrub(note) for note in section.notes]
        section.tables = {name: _scrub_frame(frame, scrub) for name, frame in section.tables.items()}
    return report


def _sections(report: WorkshopReport) -> list[Section]:
    return [report.who_came, report.what_was_said, report.votes, report.theme_network,
            *report.opinions.values(), *report.networks.values()]


def _scrub_frame(frame: pd.DataFrame, scrub: Callable[[str], str]) -> pd.DataFrame:
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(lambda value: scrub(value) if isinstance(value, str) else value)
    return frame


def _weasyprint():
    from lpip.reports.pdf import load_weasyprint

    return load_weasyprint("Writing a PDF report", "Or write HTML instead: --out report.html.")
