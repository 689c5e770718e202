"""How figures read in text and tables: numbers with separators, sensible decimals and units.

Evidence analysis writes sentences with figures in them (a data pack's questions, a
priority's verdict) and reports print tables: both format numbers here, so that a figure in
a sentence is the figure in the table.
"""

from __future__ import annotations

import math


def format_number(value, unit: str | None = None) -> str:
    """A value as people read it: thousands separators, sensible decimals, the unit where short.

    Examples
    --------
    >>> format_number(1140300.0, "persons"), format_number(66.2, "%"), format_number(None)
    ('1,140,300', '66.2%', '–')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = float(value)
    size = abs(value)
    decimals = 0 if size >= 1000 or value.is_integer() else (1 if size >= 10 else 2)
    text = f"{value:,.{decimals}f}"
    return text + "%" if unit and unit.strip().startswith("%") else text

