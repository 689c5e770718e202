"""What the reports' tests share: reading the layout of a rendered PDF with pdfplumber.

A PDF is checked as printed, not as HTML: the size every letter is printed at (charts'
labels included: their SVG text stays text in the PDF), how far down each page the content
reaches, and what the last line above the page number is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

MM = 72 / 25.4
TOP_MARGIN, BOTTOM_MARGIN = 15 * MM, 16 * MM  # the @page margins of reports/assets/atlas.css
HEADING_PT = 10.0  # h3 prints at 1.1rem x 9.5pt = 10.45pt; bold body text, table heads and captions are smaller


@dataclass(frozen=True)
class PageLayout:
    """One printed page: its smallest letter (pt), how full it is, and its last line."""

    number: int
    smallest_pt: float
    fill: float  # share of the space between the margins down to the lowest text, image or rule
    last_line: str
    last_line_is_heading: bool
    text: str


def printed_size(char: dict) -> float:
    """The size a letter is printed at, in pt, whatever its rotation (pdfminer's ``size`` is
    the box height, which for a letter turned a quarter is its advance, not its size)."""
    return char["size"] if char["upright"] else char["width"]


def _lines(chars: list[dict]) -> list[list[dict]]:
    lines: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (round(c["top"], 0), c["x0"])):
        if lines and abs(lines[-1][0]["top"] - char["top"]) < 1.5:
            lines[-1].append(char)
        else:
            lines.append([char])
    return lines


def read_layout(path: Path) -> list[PageLayout]:
    import pdfplumber

    pages = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            foot = page.height - BOTTOM_MARGIN
            chars = [c for c in page.chars if c["text"].strip()]
            body = [c for c in chars if c["top"] < foot]
            marks = body + page.images + [r for r in page.rects if r["height"] < 100 and r["bottom"] <= foot + 1]
            lowest = max((m["bottom"] for m in marks), default=TOP_MARGIN)
            lines = _lines(body)
            last = lines[-1] if lines else []
            heading = bool(last) and all("Bold" in c["fontname"] and printed_size(c) >= HEADING_PT for c in last)
            pages.append(PageLayout(
                number=number, smallest_pt=min((printed_size(c) for c in chars), default=0.0),
                fill=(lowest - TOP_MARGIN) / (foot - TOP_MARGIN), last_line="".join(c["text"] for c in last),
                last_line_is_heading=heading, text=page.extract_text() or "",
            ))
    return pages


@pytest.fixture(scope="session")
def pdf_layout():
    """``pdf_layout(path)``: the :class:`PageLayout` of every page of a PDF (pdfplumber is a
    test dependency: the PDF checks fail, not skip, without it)."""
    return read_layout


def assert_reads_well(pages: list[PageLayout], min_pt: float = 7.0, min_fill: float = 0.5) -> None:
    """Every letter at ``min_pt`` or more; no heading as the last line of a page; every page
    but the last at least ``min_fill`` full; no link to download the PDF inside the PDF."""
    assert pages, "no pages"
    for page in pages:
        assert page.smallest_pt >= min_pt - 0.05, f"page {page.number}: a letter printed at {page.smallest_pt:.1f} pt"
        assert "as a PDF" not in page.text and "Download this" not in page.text, f"page {page.number} links to a PDF"
    for page in pages[:-1]:
        assert not page.last_line_is_heading, f"page {page.number} ends with the heading {page.last_line!r}"
        assert page.fill >= min_fill, f"page {page.number} is only {page.fill:.0%} full"


@pytest.fixture(scope="session")
def check_pdf(pdf_layout):
    """``check_pdf(path)``: :func:`assert_reads_well` on the PDF's pages; returns them."""

    def check(path: Path) -> list[PageLayout]:
        pages = pdf_layout(path)
        assert_reads_well(pages)
        return pages

    return check
