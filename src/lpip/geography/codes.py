"""GSS codes: what level a code is, whether it is well formed, and the nearest known code."""

from __future__ import annotations

import difflib
import re

GSS_PATTERN = re.compile(r"^[EWSNK]\d{8}$")

# GSS entity prefixes lpip knows, and the level each one is.
PREFIX_LEVELS = {
    "E01": "lsoa",
    "E02": "msoa",
    "E06": "lad",
    "E07": "lad",
    "E08": "lad",
    "E09": "lad",
    "E10": "county",
    "E11": "county",
    "E47": "cauth",
    "E12": "region",
    "E92": "country",
    "E37": "lep",
}


def is_gss_code(code: str) -> bool:
    """True when ``code`` has the shape of a GSS code (a letter and eight digits)."""
    return bool(GSS_PATTERN.match(code))


def level_of_code(code: str) -> str | None:
    """The level a GSS code's prefix names, or None when the prefix is not one lpip knows."""
    return PREFIX_LEVELS.get(code[:3]) if is_gss_code(code) else None


def nearest_codes(code: str, known: dict[str, str], n: int = 1) -> list[tuple[str, str]]:
    """The ``n`` known codes closest to ``code``, as (code, name) pairs.

    Codes of the same entity type (same three-character prefix) are preferred, and
    among them the closest by characters: E08000099 suggests E08000029 (Solihull)
    before E06000099.
    """
    candidate = code.strip().upper()
    same_prefix = [c for c in known if c[:3] == candidate[:3]]
    pool = same_prefix or list(known)
    matches = difflib.get_close_matches(candidate, pool, n=n, cutoff=0.0)
    return [(match, known[match]) for match in matches]


def suggestion(code: str, known: dict[str, str]) -> str:
    """A ``did you mean ...?`` phrase, or an empty string when nothing is close."""
    near = nearest_codes(code, known)
    if not near:
        return ""
    found, name = near[0]
    return f"; did you mean {found} ({name})?"
