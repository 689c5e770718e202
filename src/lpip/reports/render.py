"""What every report page shares: the Jinja2 environment, figures, number formats, the CSS.

A :class:`Figure` is an image made in memory (SVG text or PNG bytes) with its alt text. A
stand-alone document (``lpip atlas profile AREA --out FILE.html``) embeds its figures as
data URIs so that the one file is complete; the atlas writes them as files beside the pages.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from lpip.evidence.formatting import format_number

ASSETS = Path(__file__).parent / "assets"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
ATTRIBUTION = ("Contains National Statistics data © Crown copyright and database right. "
               "Contains OS data © Crown copyright and database right. Open Government Licence v3.0.")


def long_date(day: date) -> str:
    """A date as people write it in the UK: the day without a leading zero, the month in English.

    Portable, unlike ``strftime("%-d %B %Y")``: ``%-d`` exists only in glibc and macOS (Windows
    writes ``%#d``) and ``%B`` follows the locale.

    Examples
    --------
    >>> long_date(date(2024, 6, 5))
    '5 June 2024'
    """
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Figure:
    """An image for a page: ``name`` (file stem), the bytes or SVG text, and its alt text."""

    name: str
    data: bytes | str
    alt: str
    suffix: str = ".svg"

    @property
    def filename(self) -> str:
        return self.name + self.suffix

    def data_uri(self) -> str:
        mime = "image/svg+xml" if self.suffix == ".svg" else "image/png"
        raw = self.data.encode("utf-8") if isinstance(self.data, str) else self.data
        return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"

    def write(self, folder: Path) -> Path:
        path = Path(folder) / self.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(self.data, str):
            path.write_text(self.data, encoding="utf-8")
        else:
            path.write_bytes(self.data)
        return path


def figure_sources(figures: dict[str, Figure | None], folder: Path | None, prefix: str = "") -> dict[str, dict]:
    """{key: {"src", "alt"}} for a template: files written to ``folder`` (linked as
    ``prefix`` + file name), or data URIs when ``folder`` is None."""
    sources = {}
    for key, figure in figures.items():
        if figure is None:
            continue
        if folder is None:
            sources[key] = {"src": figure.data_uri(), "alt": figure.alt}
        else:
            figure.write(folder)
            sources[key] = {"src": prefix + figure.filename, "alt": figure.alt}
    return sources


def spine_sources(sources: dict[str, dict]) -> list[dict]:
    """The spine chart's parts ("spine", "spine-2", ...) of a page's figure sources, in order."""
    keys = [k for k in sources if k == "spine" or k.startswith("spine-")]
    return [sources[k] for k in sorted(keys, key=lambda k: int(k.partition("-")[2] or 1))]


@cache
def environment() -> Environment:
    """The reports' Jinja2 environment (autoescaped, templates from ``reports/templates``)."""
    env = Environment(loader=PackageLoader("lpip.reports", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = format_number
    env.globals["attribution"] = ATTRIBUTION
    return env


def render_page(template: str, **context) -> str:
    """Render one template; ``standalone`` pages get the CSS inline, site pages link to it."""
    context.setdefault("standalone", False)
    context.setdefault("root", "")
    if context["standalone"]:
        context["inline_css"] = stylesheet()
    return environment().get_template(template).render(**context)


@cache
def stylesheet() -> str:
    return (ASSETS / "atlas.css").read_text(encoding="utf-8")


# Text stays <text> in SVG (a fifth of the size, and WeasyPrint draws it ten times faster than
# glyph outlines); ids are salted so that the same chart gives the same file.
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "lpip", "font.family": "DejaVu Sans"}


def savefig_svg(fig, tight: bool = True) -> str:
    """A matplotlib figure as SVG text without a date (so that rebuilds are identical).

    ``tight`` crops the figure to what is drawn (its size then depends on the labels); a
    chart laid out for the printed page keeps the size it was drawn at with ``tight=False``.
    """
    from io import StringIO

    import matplotlib

    buffer = StringIO()
    with matplotlib.rc_context(SVG_RC):
        fig.savefig(buffer, format="svg", bbox_inches="tight" if tight else None, metadata={"Date": None})
    return buffer.getvalue()


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display is ever needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
