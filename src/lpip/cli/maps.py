"""`lpip maps` (being written)."""

from __future__ import annotations

from lpip.cli.common import new_app

app = new_app("maps")
