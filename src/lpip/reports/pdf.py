"""HTML to A4 PDF with WeasyPrint, for profiles and data packs.

The page size, margins and greyscale-safe print rules live in ``assets/atlas.css`` (its
``@media print`` and ``@page`` rules), so that the HTML and the PDF are one document. Two
things can stop a PDF, and each gets a message naming the Debian package to install:
WeasyPrint's system libraries (Pango, HarfBuzz...) and a font to print with. Every PDF lpip
writes (profiles, data packs, table cards, workshop and programme reports) loads WeasyPrint
here.
"""

from __future__ import annotations

import contextlib
import io
from functools import cache
from pathlib import Path

from lpip.errors import MissingSystemLibrary

FONT_PACKAGE = "fonts-dejavu-core"
# File-name stems of the fonts the CSS names; any one of them is enough.
FONT_FILES = ("DejaVuSans", "LiberationSans")


# WeasyPrint loads these with ctypes/cffi; the Debian package that ships each one.
DEBIAN_PACKAGES = {
    "gobject": "libglib2.0-0", "pangoft2": "libpangoft2-1.0-0", "pango": "libpango-1.0-0",
    "harfbuzz": "libharfbuzz0b", "fontconfig": "libfontconfig1",
}
ALL_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


def load_weasyprint(purpose: str = "Writing PDF reports", hint: str = ""):
    """The weasyprint module; :class:`MissingSystemLibrary` naming the Debian package if a
    system library it needs (Pango, GLib, HarfBuzz, Fontconfig) cannot be loaded.

    ``purpose`` starts the message ("Printing table cards needs ..."); ``hint`` ends it
    (e.g. "Or write HTML instead: --out report.html.").
    """
    # WeasyPrint prints its own troubleshooting banner to stdout before raising; keep it quiet.
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            import weasyprint
        except OSError as exc:
            message = missing_library_message(str(exc), purpose)
            raise MissingSystemLibrary(f"{message} {hint}".strip()) from None
    return weasyprint


def missing_library_message(error: str, purpose: str = "Writing PDF reports") -> str:
    library = next((name for name in DEBIAN_PACKAGES if name in error.lower()), None)
    package = DEBIAN_PACKAGES.get(library, ALL_PACKAGES)
    return (
        f"{purpose} needs WeasyPrint's system libraries, and one could not be loaded ({error.splitlines()[0]}). "
        f"On Debian or Ubuntu install it with: sudo apt-get install {package} "
        f"(WeasyPrint needs all of: {ALL_PACKAGES})."
    )


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
