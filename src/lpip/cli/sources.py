"""`lpip sources`: fetch indicators from live APIs (Nomis, Fingertips, ONS)."""

from __future__ import annotations

from lpip.cli.common import new_app

app = new_app("Fetch indicators from live sources (Nomis, Fingertips, ONS) into the database.")
