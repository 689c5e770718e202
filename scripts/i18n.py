"""Keep the catalogues of the pages phones use in step with the templates (see docs/languages.md).

    .venv/bin/python scripts/i18n.py            extract -> update -> compile (what `make i18n` runs)
    .venv/bin/python scripts/i18n.py init fr    start a catalogue for a new language (then translate it)

extract: the English strings of the translated templates and of lpip.web (babel.cfg) into
src/lpip/web/locale/messages.pot. update: merge new and changed strings into every
<locale>/LC_MESSAGES/messages.po (changed ones are marked fuzzy for the translator). compile:
messages.po -> messages.mo, which is committed next to it and goes into the wheel. Fuzzy
(unchecked) entries are not compiled: the page shows English for them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "lpip" / "web" / "locale"
POT = LOCALE / "messages.pot"


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    # No line numbers and no creation date: the .pot changes only when a string does.
    pybabel("extract", "-F", str(ROOT / "babel.cfg"), "--no-wrap", "--sort-by-file", "--no-location",
            "--omit-header", "-o", str(POT), str(ROOT))


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/messages.po"))


def main(argv: list[str]) -> int:
    if argv[:1] == ["init"] and len(argv) == 2:
        pybabel("init", "-i", str(POT), "-d", str(LOCALE), "-l", argv[1], "--no-wrap")
        print(f"Started {LOCALE / argv[1] / 'LC_MESSAGES' / 'messages.po'}: translate it, have it checked, "
              "then run scripts/i18n.py again.")
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    extract()
    if catalogues():
        pybabel("update", "-i", str(POT), "-d", str(LOCALE), "--no-wrap", "--ignore-obsolete")
        pybabel("compile", "-d", str(LOCALE), "--statistics")
    print(f"{POT.relative_to(ROOT)}: extracted; {len(catalogues())} catalogue(s) updated and compiled.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
