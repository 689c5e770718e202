"""Errors a user can fix. Every message says what went wrong, where, and how to fix it.

The CLI prints ``Error: <message>`` and exits 2; no traceback is shown for these.
"""

from __future__ import annotations


class LpipError(Exception):
    """Base class for every error a user can fix."""

    def __init__(self, message: str, errors: list[str] | None = None):
        self.errors = list(errors or [])
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        shown = self.errors[:20]
        more = len(self.errors) - len(shown)
        lines = [self.message, *(f"  - {e}" for e in shown)]
        if more:
            lines.append(f"  ... and {more} more")
        return "\n".join(lines)


class DatabaseNotReady(LpipError):
    """The database has not been created or is at an older schema version."""


class InvalidDatabaseURL(LpipError):
    """The database URL cannot be understood or reached."""


class UnknownAreaCode(LpipError):
    """An area code is not in the geography tables."""


class UnknownIndicator(LpipError):
    """An indicator id is not in the catalogue."""


class UnknownAreaLevel(LpipError):
    """An area level name is not one lpip knows."""


class InvalidIndicatorFile(LpipError):
    """An indicator data file cannot be imported as it stands."""


class InvalidAreaSetFile(LpipError):
    """A custom area set file cannot be imported as it stands."""


class InvalidCatalogue(LpipError):
    """The indicator catalogue file is malformed."""


class BundledDataMissing(LpipError):
    """A file that lpip ships with is missing from the installation."""


class NoData(LpipError):
    """There is no data for what was asked."""
