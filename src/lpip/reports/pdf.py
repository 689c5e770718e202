"""HTML to A4 PDF with WeasyPrint, for profiles and data packs.

The page size, margins and greyscale-safe print rules live in ``assets/atlas.css`` (its
``@media print`` and ``@page`` rules), so that the HTML and the PDF are one document. Two
things can stop a PDF, and each gets a message naming the Debian package to install:
WeasyPrint's system libraries (Pango, HarfBuzz...; the check is the one the table cards
use, :func:`lpip.workshops.cards.load_weasyprint`) and a font to print with.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lpip.errors import MissingSystemLibrary

FONT_PACKAGE = "fonts-dejavu-core"
# File-name stems of the fonts the CSS names; any one of them is enough.
FONT_FILES = ("DejaVuSans", "LiberationSans")


def load_weasyprint():
    """The weasyprint module, or :class:`MissingSystemLibrary` naming the Debian package."""
    from lpip.workshops.cards import load_weasyprint as load

    try:
        return load()
    except MissingSystemLibrary as exc:
        raise MissingSystemLibrary(exc.message.replace("Printing table cards", "Writing PDF reports")) from None


def installed_fonts() -> list[str]:
    """Paths of the TrueType/OpenType fonts in the system's font folders."""
    from matplotlib import font_manager

    return font_manager.findSystemFonts()


@cache
def check_fonts() -> str:
    """The path of a font the PDFs can print with; :class:`MissingSystemLibrary` naming the
    Debian package when none is installed (WeasyPrint would otherwise write pages without
    readable text)."""
    for path in sorted(installed_fonts()):
        if Path(path).stem.startswith(FONT_FILES):
            return path
    raise MissingSystemLibrary(
        "Writing PDF reports needs a font, and neither DejaVu Sans nor Liberation Sans is installed. "
        f"On Debian or Ubuntu install one with: sudo apt-get install {FONT_PACKAGE} "
        "(or write HTML instead: --out FILE.html, or `lpip atlas build --no-pdf`)."
    )


def check_pdf_support() -> None:
    """Raise :class:`MissingSystemLibrary` now if PDFs cannot be written (before a long build)."""
    load_weasyprint()
    check_fonts()


def write_pdf(html: str, out: Path, base_url: str | Path | None = None) -> Path:
    """Write ``html`` as an A4 PDF to ``out``; relative links resolve against ``base_url``.

    Examples
    --------
    >>> write_pdf("<h1>Solihull</h1>", Path("solihull.pdf"))  # doctest: +SKIP
    PosixPath('solihull.pdf')
    """
    weasyprint = load_weasyprint()
    check_fonts()
    out = Path(out)
    document = weasyprint.HTML(string=html, base_url=str(base_url) if base_url else None)
    document.write_pdf(out)
    return out
