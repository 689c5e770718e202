"""Commands registered on the top-level `lpip` app (filled in by the evidence analysis work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
