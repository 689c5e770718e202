"""The depositor's last read: every proposed replacement with its context, in a file a person
edits (accept, reject or change) and feeds back with ``lpip deposit build ... --review FILE``.

The review file and the anonymisation log hold the original names and are personal data:
they live in ``DIR.private/`` beside the package, never inside it or its zip.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lpip.archive.anonymise import LOG_COLUMNS, Decision
from lpip.errors import InvalidPackage, InvalidReviewFile
from lpip.spreadsheets import read_records, write_csv

LOG_NAME = "anonymisation_log.csv"
REVIEW_NAME = "redactions_review.csv"
# The review a build applied, kept so that `lpip deposit check` honours the same decisions.
APPLIED_REVIEW = "applied_review.csv"
REVIEW_COLUMNS = ["file", "row", "column", "rule", "original", "replacement", "context", "decision", "new_replacement"]
ACTIONS = ("accept", "reject", "change")


def private_folder(package: str | Path) -> Path:
    """``DIR.private`` beside a package folder ``DIR`` (or beside ``DIR.zip``)."""
    package = Path(package)
    stem = package.with_suffix("") if package.suffix.lower() == ".zip" else package
    return stem.with_name(stem.name + ".private")


def write_log(log: list[dict], package: Path) -> Path:
    """Write the anonymisation log to ``DIR.private/anonymisation_log.csv``."""
    folder = private_folder(package)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    write_csv(pd.DataFrame(log, columns=LOG_COLUMNS), path)
    return path


def write_review(package: str | Path) -> Path:
    """Write ``DIR.private/redactions_review.csv`` from the package's anonymisation log: one
    row per replacement, ``decision`` set to ``accept`` for a person to change.

    Examples
    --------
    >>> write_review("deposit")  # doctest: +SKIP
    PosixPath('deposit.private/redactions_review.csv')
    """
    folder = private_folder(package)
    log = folder / LOG_NAME
    if not log.is_file():
        raise InvalidPackage(f"{log} not found: `lpip deposit review` reads the anonymisation log that "
                             f"`lpip deposit build --out {Path(package)}` writes beside the package. Build it first.")
    frame = pd.read_csv(log, dtype=str, keep_default_na=False)
    review = frame.assign(decision=frame["decision"].map(_decision_word), new_replacement="")
    review = review.assign(new_replacement=[r if d == "change" else "" for r, d in zip(frame["replacement"], review["decision"])])
    path = folder / REVIEW_NAME
    write_csv(review[REVIEW_COLUMNS], path)
    return path


def _decision_word(logged: str) -> str:
    return {"rejected": "reject", "changed": "change"}.get(logged, "accept")


def read_review(path: str | Path) -> dict[tuple[str, int, str, str], Decision]:
    """The decisions of an edited review file, keyed by (file, row, column, original);
    :class:`InvalidReviewFile` names every bad row and column, and nothing is applied."""
    records = read_records(path, InvalidReviewFile, "Write it with `lpip deposit review DIR`.")
    header = [h.strip().lower() for h in records[0]]
    missing = [c for c in ("file", "row", "column", "original", "decision", "new_replacement") if c not in header]
    if missing:
        raise InvalidReviewFile(f"{path}: missing column(s) {', '.join(missing)}; keep the columns that "
                                "`lpip deposit review` writes and change only decision and new_replacement.")
    at = {name: header.index(name) for name in header}
    decisions, problems = {}, []
    for number, row in enumerate(records[1:], start=2):
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in at.items()}
        if not any(cells.values()):
            continue
        action = cells["decision"].lower()
        if action not in ACTIONS:
            problems.append(f"row {number}, column decision: {cells['decision']!r} is not accept, reject or change")
            continue
        if action == "change" and not cells["new_replacement"]:
            problems.append(f"row {number}, column new_replacement: 'change' needs the new text")
            continue
        if not cells["row"].isdigit():
            problems.append(f"row {number}, column row: {cells['row']!r} is not a row number; do not edit it")
            continue
        original = row[at["original"]] if at["original"] < len(row) else ""
        decisions[(cells["file"], int(cells["row"]), cells["column"], original)] = Decision(action, cells["new_replacement"])
    if problems:
        raise InvalidReviewFile(f"{path}: nothing was applied because of {len(problems)} problem(s):", problems)
    return decisions


def applied_decisions(package: str | Path) -> dict:
    """The decisions the package was built with (``DIR.private/applied_review.csv``), or none."""
    path = private_folder(package) / APPLIED_REVIEW
    return read_review(path) if path.is_file() else {}
