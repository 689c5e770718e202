"""`lpip data`: import and export indicator values."""

from __future__ import annotations

from lpip.cli.common import new_app

app = new_app("Import and export indicator values.")
