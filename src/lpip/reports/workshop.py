"""The workshop report on the page: one self-contained HTML document (figures embedded as data
URIs), or an A4 PDF made from it. What it says is :func:`lpip.deliberation.report.build_report`.

Rendering does three things the analysis does not:

- **anonymises every quote** through one wrapper, :func:`anonymise_quote`, which is the
  deposit's anonymiser (names, organisations, emails and phone numbers written into a note or
  statement become "[person 3]", "[phone]" and the like);
- **draws the networks** (:mod:`lpip.reports.network_figures`);
- **adds wicked problems and quick wins** to the summary when the synthesis exists: if
  ``lpip.synthesis`` can be imported and has :data:`SYNTHESIS_HOOK` (a function
  ``workshop_summary(session, workshop_ids) -> {"wicked problems": [...], "quick wins": [...]}``),
  its lists are shown, anonymised like the quotes (priority titles may be drafted from people's
  words); otherwise that line is left out.

The page is A4 with fonts of 7.5 pt and up; tables have fixed layouts that wrap long text, and
wide tables are set on landscape pages, so nothing runs off the page.
"""

from __future__ import annotations

import base64
import importlib
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from lpip.deliberation.report import WORDS_COLUMNS, WorkshopReport, build_report
from lpip.errors import InvalidExport

DEMO_LABEL = "DEMONSTRATION (made-up data)"
REPORT_SUFFIXES = (".html", ".pdf")
SYNTHESIS_MODULE = "lpip.synthesis"
SYNTHESIS_HOOK = "workshop_summary"
WIDE_TABLE_COLUMNS = 8  # tables with more columns than this go on a landscape page


def anonymise_quote(session: Session, workshop_ids: list[int]) -> Callable[[str], str]:
    """The one way quotes are anonymised in the report: a function from text to safe text.

    It is the deposit's anonymiser (:func:`lpip.archive.anonymise.scrubber_for`): every name and
    organisation the system knows, in all the forms people write them, and emails, phone numbers,
    postcodes and the like, become typed labels such as "[person 3]". ``workshop_ids`` is kept for
    the callers; the anonymiser knows every name in the database, because a person from one
    workshop can be named in another's notes.
    """
    from lpip.archive.anonymise import scrubber_for

    scrub = scrubber_for(session)

    def anonymise(text) -> str:
        return scrub("" if text is None else str(text))

    return anonymise


def synthesis_summary(session: Session, workshop_ids: list[int]) -> dict[str, list[str]] | None:
    """Wicked problems and quick wins from :mod:`lpip.synthesis`, or None when it is not there."""
    try:
        module = importlib.import_module(SYNTHESIS_MODULE)
    except ImportError:
        return None
    hook = getattr(module, SYNTHESIS_HOOK, None)
    if hook is None:
        return None
    found = hook(session, workshop_ids) or {}
    return {key: [str(item) for item in found.get(key, [])] for key in ("wicked problems", "quick wins")}


def datapack_links(report: WorkshopReport, atlas: str | None = None) -> list[dict]:
    """Each sub-region's data pack: its name, link and the command that writes it as a document."""
    base = f"{atlas.rstrip('/')}/" if atlas else ""
    return [{"code": code, "name": name, "url": f"{base}datapacks/{code}.html",
             "command": f"lpip atlas datapack {code} --out {code}-data-pack.pdf"}
            for code, name in sorted(report.subregions.items())]


def report_html(report: WorkshopReport, anonymise: Callable[[str], str] = str, *,
                synthesis: dict[str, list[str]] | None = None, atlas: str | None = None, seed: int = 0) -> str:
    """The report as one self-contained HTML document.

    ``anonymise`` is applied to every quote (see :func:`anonymise_quote`); ``synthesis`` fills the
    wicked problems and quick wins line.
    """
    environment = Environment(loader=PackageLoader("lpip.reports", "templates"), autoescape=select_autoescape(["html"]))
    environment.filters["quote"] = anonymise
    figures = {name: _figures(section.graphs, seed) for name, section in _sections(report)}
    return environment.get_template("workshop_report.html").render(
        report=report, demo_label=DEMO_LABEL, made=date.today().isoformat(), words=set(WORDS_COLUMNS),
        figures=figures, synthesis=synthesis, datapacks=datapack_links(report, atlas), wide=WIDE_TABLE_COLUMNS)


def _sections(report: WorkshopReport):
    yield "theme_network", report.theme_network
    for name, section in report.networks.items():
        yield name, section


def _figures(graphs: dict, seed: int) -> dict[str, str]:
    import matplotlib.pyplot as plt

    from lpip.reports.network_figures import network_figure

    uris = {}
    for title, graph in graphs.items():
        figure = network_figure(graph, seed=seed, title=title)
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format="png", dpi=130, bbox_inches="tight")
        finally:
            plt.close(figure)
        uris[title] = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return uris


def write_report(session: Session, target: str | int, out: str | Path, seed: int = 0, atlas: str | None = None) -> Path:
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
    pdf = out.suffix.lower() == ".pdf"
    if pdf:  # before the analysis: say at once if PDFs cannot be written here
        from lpip.reports.pdf import load_weasyprint, write_pdf

        load_weasyprint("Writing a PDF report", "Or write HTML instead: --out report.html.")
    report = build_report(session, target, seed=seed)
    html = report_html(report, anonymise_quote(session, report.workshop_ids),
                       synthesis=synthesis_summary(session, report.workshop_ids), atlas=atlas, seed=seed)
    if pdf:
        write_pdf(html, out)
    else:
        out.write_text(html, encoding="utf-8")
    return out
