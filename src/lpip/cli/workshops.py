"""`lpip workshops`: create workshops, register attendees, plan tables, import and export."""

from __future__ import annotations

from lpip.cli.common import new_app

app = new_app("Workshops: create, register attendees, plan tables, import and export.")
