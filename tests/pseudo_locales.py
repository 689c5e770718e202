"""The two TEST PSEUDO-LOCALES of docs/languages.md, built from messages.pot into a folder:
``en_XA`` (every letter accented and bracketed, left to right) and ``ar_XB`` (the same, right to
left, with Arabic's six plural forms), named after CLDR's pseudo-locale codes. They prove that
every string goes through the catalogue; they are not translations and are never installed.

Used by tests/web/test_i18n.py (in the test's process) and the browser tests (a server in
another process reads the folder).
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

POT = Path(__file__).resolve().parents[1] / "src" / "lpip" / "web" / "locale" / "messages.pot"
NAMES = ("en_XA", "ar_XB")
# Pseudo-translation: ASCII letters become accented look-alikes; placeholders and HTML tags are kept.
ACCENTED = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                         "àƀçđéƒĝĥíĵķĺɱñóƥʠŕšŧúʋŵẋýžÀƁÇĐÉƑĜĤÍĴĶĹṀÑÓƤꝖŔŠŦÚṼŴẊÝŽ")
KEEP = re.compile(r"(%\(\w+\)s|<[^>]*>|&\w+;)")


def pseudo(message: str) -> str:
    parts = KEEP.split(message)
    return "⟦" + "".join(p if KEEP.fullmatch(p) else p.translate(ACCENTED) for p in parts) + "⟧"


def write_pseudo_locales(folder: Path) -> Path:
    """Compile both pseudo-locales into ``folder/<locale>/LC_MESSAGES/messages.mo``."""
    for name in NAMES:
        with POT.open("rb") as f:
            catalog = read_po(f, locale=name.split("_")[0])
        for message in catalog:
            if not message.id:
                continue
            if message.pluralizable:  # one form per plural form of the language (Arabic has six)
                message.string = tuple(pseudo(message.id[min(i, 1)]) for i in range(catalog.num_plurals))
            else:
                message.string = pseudo(message.id)
        target = folder / name / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as f:
            write_mo(f, catalog)
    return folder
