"""`lpip coding` (being written)."""

from __future__ import annotations

from lpip.cli.common import new_app

app = new_app("Qualitative coding: codebooks, rule and hand coding, agreement, themes.")
