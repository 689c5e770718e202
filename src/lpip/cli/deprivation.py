"""`lpip deprivation`: IoD2019 summaries for local authorities and custom areas."""

from __future__ import annotations

from lpip.cli.common import new_app

app = new_app("Deprivation summaries (IoD2019) for local authorities and custom areas.")
