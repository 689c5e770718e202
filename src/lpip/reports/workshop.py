"""The workshop report on the page: one self-contained HTML document (figures embedded as
data URIs), or a PDF made from it. What it says is :func:`lpip.deliberation.report.build_report`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from lpip.deliberation.report import WorkshopReport, build_report
from lpip.errors import InvalidExport

DEMO_LABEL = "DEMONSTRATION (made-up data)"
REPORT_SUFFIXES = (".html", ".pdf")


def report_html(report: WorkshopReport) -> str:
    """The report as one self-contained HTML document."""
    environment = Environment(loader=PackageLoader("lpip.reports", "templates"),
                              autoescape=select_autoescape(["html"]))
    return environment.get_template("workshop_report.html").render(report=report, demo_label=DEMO_LABEL,
                                                                    made=date.today().isoformat())


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
    html = report_html(build_report(session, target, seed=seed))
    if weasyprint is None:
        out.write_text(html, encoding="utf-8")
    else:
        weasyprint.HTML(string=html).write_pdf(out)
    return out


def _weasyprint():
    from lpip.reports.pdf import load_weasyprint

    return load_weasyprint("Writing a PDF report", "Or write HTML instead: --out report.html.")
