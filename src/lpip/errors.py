"""Errors a user can fix. Every message says what went wrong, where, and how to fix it.

The CLI prints ``Error: <message>`` and exits 2; no traceback is shown for these.

A message that people on the workshop pages see (a wrong join code, a closed round, a note too
long) is written once, in English, as a catalogue message: marked with :func:`N_` so that
``pybabel extract`` finds it (babel.cfg), with named ``%(name)s`` placeholders whose values come
as keyword arguments::

    raise InvalidContribution(N_("The note is %(length)s characters long."), length=f"{n:,}")

The error keeps the English template (:attr:`LpipError.msgid`) and its values
(:attr:`LpipError.params`); the CLI prints the English message, the web pages translate the
template into the page's language (lpip.web.i18n) and fill in the same values.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark an English message for the page catalogues (docs/languages.md); returns it unchanged."""
    return message


class LpipError(Exception):
    """Base class for every error a user can fix."""

    def __init__(self, message: str, errors: list[str] | None = None, **params):
        self.errors = list(errors or [])
        # The English template and the values of its %(name)s placeholders, for a translation.
        self.msgid = message
        self.params = params
        super().__init__(message % params if params else message)

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


class SourceUnreachable(LpipError):
    """A live data source could not be reached (no network connection or a timeout)."""


class SourceRequestFailed(LpipError):
    """A live data source answered a request with an HTTP error."""


class SourceRateLimited(SourceRequestFailed):
    """A live data source refused a request because too many were sent (HTTP 429)."""


class InvalidSourceResponse(LpipError):
    """A live data source's answer cannot be read in the format expected of it."""


class InvalidSourceQuery(LpipError):
    """A request to a live data source is incomplete or names something unknown."""


class UnsupportedConfidenceLevel(LpipError):
    """A confidence level other than 95 or 99.8 was asked for."""


class IndicatorNotAtLevel(LpipError):
    """An indicator has no values at an area's level and cannot be aggregated to it."""


class MixedPeriods(LpipError):
    """Values of different periods would be compared; one period must be chosen."""


class NoComparatorValue(LpipError):
    """The comparator area has no value for the indicator and period."""


class CannotAggregate(LpipError):
    """An indicator cannot be aggregated honestly to an area (a median, or no numerators)."""


class UnknownWorkshop(LpipError):
    """A workshop id or join code does not exist."""


class WorkshopClosed(LpipError):
    """The workshop (or its round or voting) is not open for this action."""


class InvalidContribution(LpipError):
    """A note, statement, vote or dot spend is not acceptable as it stands."""


class InvalidWorkshopFile(LpipError):
    """An attendee or notes file cannot be imported as it stands."""


class AuthenticationFailed(LpipError):
    """Wrong email or password, or an expired or forged credential."""


class PermissionDenied(LpipError):
    """The signed-in user (or link holder) may not do this."""


class InvalidSettings(LpipError):
    """A setting is missing or unsafe for this kind of install."""


class InvalidPolisExport(LpipError):
    """A pol.is export folder cannot be read as it stands."""


class InvalidVotes(LpipError):
    """Votes or statements cannot be analysed as they stand."""


class ConversationTooSmall(LpipError):
    """A conversation has too few participants or statements to find opinion groups."""


class NoBoundaries(LpipError):
    """Areas have no boundaries, so a spatial analysis (hotspots) cannot run on them."""


class WrongAreaLevel(LpipError):
    """An area is not at the level an analysis works at (similar areas compares districts)."""


class TooFewPeriods(LpipError):
    """A trend needs an indicator with values for two or more periods."""


class UnknownPeriod(LpipError):
    """A period is not one the indicator has values for."""


class InvalidAnalysisOption(LpipError):
    """An analysis option (permutations, significance level, number of neighbours) is out of range."""


class InvalidDeprivationFile(LpipError):
    """An LSOA deprivation file cannot be summarised as it stands."""


class UnknownAreaSet(LpipError):
    """An area set name is neither a level nor a custom set the database holds."""


class InvalidExport(LpipError):
    """An export cannot be written as asked (format, destination)."""


class MissingSystemLibrary(LpipError):
    """A system library lpip needs (e.g. Pango for PDFs) is not installed."""


class InvalidCodebook(LpipError):
    """A codebook (or a codebook file) cannot be used as it stands: duplicate names, unknown parents."""


class UnknownCode(LpipError):
    """A code name is not in the codebook."""


class InvalidCodingSheet(LpipError):
    """A hand-coding sheet or coded file cannot be imported as it stands."""


class TooFewDocuments(LpipError):
    """There is too little text to find themes (or the number of themes asked for is too high)."""


class MissingExtra(LpipError):
    """An optional feature needs an install extra that is not installed."""


# ---- workshop server: sign-in, joining, ownership (issue 9) ----------------------------------


class TooManyAttempts(LpipError):
    """Too many sign-in attempts or joins in a short time: wait, then try again."""

    def __init__(self, message: str, retry_after: int = 60, errors: list[str] | None = None, **params):
        super().__init__(message, errors, **params)
        self.retry_after = max(int(retry_after), 1)


class NotConfirmed(LpipError):
    """Something that cannot be undone was asked for without the confirmation it needs."""


class ClientIdTaken(LpipError):
    """A client id is already used for another author's note or statement."""


class UnknownAccount(LpipError):
    """No facilitator account has this email address."""

# ----------------------------------------------------------------------------- synthesis
# Priorities, their evidence, partners and the programme plan (lpip.synthesis).


class UnknownPriority(LpipError):
    """A priority id does not exist (or was merged into another)."""


class InvalidPriority(LpipError):
    """A priority, its status change, link or triage override is not acceptable as it stands."""


class InvalidEvidenceMap(LpipError):
    """The mapping from codes and themes to indicators (a TOML file) is malformed."""


class UnknownPartner(LpipError):
    """A partner id or organisation is not in the partner register."""


class InvalidPartnersFile(LpipError):
    """A partner register file cannot be imported as it stands."""


class InvalidPlanFile(LpipError):
    """An edited programme plan file cannot be imported as it stands."""


# ----------------------------------------------------------------------------- deposit (lpip.archive)


class InvalidDeposit(LpipError):
    """A deposit cannot be built as asked: no workshops, a demonstration, a bad option or folder."""


class InvalidReviewFile(LpipError):
    """A redactions review file cannot be applied as it stands."""


class InvalidPackage(LpipError):
    """A folder or zip is not a deposit package lpip can check."""

# ----------------------------------------------------------------------------- the workshop day (joining)


class WorkshopFull(LpipError):
    """The walk-in code admits nobody more: it is switched off or the room has reached its cap."""
