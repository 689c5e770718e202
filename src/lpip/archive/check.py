"""The health check of a deposit package (``lpip deposit check``), in the spirit of the UK
Data Service's QAMyData: what an archive would look for before accepting it.

Problems (the check fails): direct identifiers left in the data (people and organisations
the system knows, emails, phone numbers, postcodes, NI numbers), k-anonymity below the k
the package was built with, duplicate rows, values outside the Table Schema (the
``frictionless`` validation), text that is not UTF-8, file names an archive would refuse,
files missing from ``datapackage.json`` or the manifest, wrong checksums, and a missing
README, licence or DDI codebook. Warnings (reported, not failing): empty columns, and that
names the system does not know may remain when no named-entity backend was used.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lpip.archive.anonymise import URL, Anonymiser
from lpip.archive.disclosure import QUASI_IDENTIFIERS, k_anonymity
from lpip.errors import InvalidPackage

MANIFEST = "MANIFEST-sha256.txt"
REQUIRED = ("datapackage.json", "docs/README.txt", "LICENSE", "metadata/ddi_codebook.xml", "docs/data_dictionary.csv",
            MANIFEST)
FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$", re.IGNORECASE)
LABEL = re.compile(r"\[[^\]]*\]")
TEXT_SUFFIXES = (".csv", ".json", ".txt", ".xml", ".html", "")
# The deposit's own ids and codes (P0001, C00001, E08000027, WM-BC): never a person.
ID_LIKE = re.compile(r"^(?:[A-Z]{1,3}\d+|[A-Z]{2,}-[A-Z]+|\d+)$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong: which check, where, what."""

    check: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.where}: {self.detail}"


@dataclass
class CheckResult:
    """What the health check found."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    k: int | None = None
    k_achieved: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_package(path: str | Path, scrub: Callable[..., str] | None = None, skip: tuple[str, ...] = (),
                  only: tuple[str, ...] | None = None) -> CheckResult:
    """Check a package folder or zip (see the module for the checks).

    ``scrub`` is the anonymiser's scrub function (:func:`lpip.archive.anonymise.anonymiser_for`):
    any span it would still replace in a CSV is a remaining identifier. ``skip`` names checks
    left out and ``only`` the checks run (the build checks the data before it writes the
    manifest, then the manifest).

    Examples
    --------
    >>> result = check_package("deposit")  # doctest: +SKIP
    >>> result.ok, [str(p) for p in result.problems]  # doctest: +SKIP
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory() as folder:
            _unzip(path, Path(folder))
            return check_package(Path(folder), scrub, skip, only)
    if not path.is_dir():
        raise InvalidPackage(f"{path}: not found, or neither a folder nor a .zip. Give the folder or zip that "
                             "`lpip deposit build` wrote.")
    result = CheckResult()
    package = _read_json(path / "datapackage.json", result)
    steps = [("required files", _required), ("file names", _file_names), ("encoding", _encoding),
             ("listed in datapackage.json", _listed), ("manifest", _manifest), ("schema", _schema),
             ("duplicate rows", _duplicates), ("empty columns", _empty_columns), ("k-anonymity", _k_anonymity),
             ("direct identifiers", _identifiers), ("unknown names", _unknown_names)]
    for name, step in steps:
        if name in skip or (only is not None and name not in only):
            continue
        before = len(result.problems)
        step(path, package, result, scrub)
        if len(result.problems) == before:
            result.passed.append(name)
    return result


def _unzip(path: Path, folder: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                target = (folder / member).resolve()
                if not str(target).startswith(str(folder.resolve())):
                    raise InvalidPackage(f"{path}: the entry {member!r} would be written outside the folder; not a package.")
            archive.extractall(folder)
    except zipfile.BadZipFile:
        raise InvalidPackage(f"{path}: not a readable zip file.") from None
    # A zip of DIR holds DIR/...: check inside that folder.
    entries = [p for p in folder.iterdir()]
    if len(entries) == 1 and entries[0].is_dir():
        inner = entries[0]
        for item in inner.iterdir():
            shutil.move(str(item), folder / item.name)
        inner.rmdir()


def _read_json(path: Path, result: CheckResult) -> dict:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        result.problems.append(Problem("datapackage.json", "datapackage.json", f"not valid UTF-8 JSON ({exc})"))
        return {}


def _files(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


def _resources(package: dict) -> list[dict]:
    return [r for r in package.get("resources", []) if isinstance(r, dict)]


def _csv_resources(path: Path, package: dict) -> list[tuple[dict, pd.DataFrame]]:
    found = []
    for resource in _resources(package):
        file = path / resource.get("path", "")
        if file.is_file() and file.suffix == ".csv":
            try:
                frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
            except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
                continue
            found.append((resource, frame))
    return found


def _required(path: Path, package: dict, result: CheckResult, scrub) -> None:
    for name in REQUIRED:
        if not (path / name).is_file():
            result.problems.append(Problem("required files", name, "missing; rebuild the package with `lpip deposit build`"))


def _file_names(path: Path, package: dict, result: CheckResult, scrub) -> None:
    for name in _files(path):
        for part in name.split("/"):
            if not FILE_NAME.match(part):
                result.problems.append(Problem("file names", name, "use letters, digits, '.', '_' or '-' only "
                                                                   "(no spaces or other characters)"))
                break


def _encoding(path: Path, package: dict, result: CheckResult, scrub) -> None:
    for name in _files(path):
        if Path(name).suffix.lower() not in TEXT_SUFFIXES:
            continue
        raw = (path / name).read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            result.problems.append(Problem("encoding", name, "starts with a byte-order mark; archives expect plain UTF-8"))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            result.problems.append(Problem("encoding", name, f"not UTF-8 (byte {exc.start})"))


def _listed(path: Path, package: dict, result: CheckResult, scrub) -> None:
    listed = {r.get("path") for r in _resources(package)}
    for name in listed:
        if name and not (path / name).is_file():
            result.problems.append(Problem("listed in datapackage.json", name, "listed as a resource but missing"))
    for name in _files(path):
        if name.startswith(("data/", "evidence/")) and name.endswith(".csv") and name not in listed:
            result.problems.append(Problem("listed in datapackage.json", name, "a data file with no resource (schema)"))


def _manifest(path: Path, package: dict, result: CheckResult, scrub) -> None:
    file = path / MANIFEST
    if not file.is_file():
        return
    recorded = {}
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or not name:
            result.problems.append(Problem("manifest", f"{MANIFEST} line {number}", "not 'SHA256  path'"))
            continue
        recorded[name] = digest
    for name in _files(path):
        if name == MANIFEST:
            continue
        if name not in recorded:
            result.problems.append(Problem("manifest", name, "not in the manifest"))
        elif sha256(path / name) != recorded[name]:
            result.problems.append(Problem("manifest", name, "checksum differs from the manifest: the file changed"))
    for name in recorded:
        if not (path / name).is_file():
            result.problems.append(Problem("manifest", name, "in the manifest but missing"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _schema(path: Path, package: dict, result: CheckResult, scrub) -> None:
    if not package:
        return
    from frictionless import Package

    # Resource paths are relative to the descriptor's folder.
    report = Package(str(path / "datapackage.json")).validate()
    for task in report.tasks:
        for error in task.errors[:50]:
            where = task.name or "datapackage.json"
            row = getattr(error, "row_number", None)
            field_name = getattr(error, "field_name", None)
            place = f"{where}" + (f", row {row}" if row else "") + (f", column {field_name}" if field_name else "")
            result.problems.append(Problem("schema", place, error.message))
    for error in report.errors[:50]:
        result.problems.append(Problem("schema", "datapackage.json", error.message))


def _duplicates(path: Path, package: dict, result: CheckResult, scrub) -> None:
    for resource, frame in _csv_resources(path, package):
        duplicated = frame.duplicated()
        if duplicated.any():
            rows = ", ".join(str(i + 2) for i in frame.index[duplicated][:10])
            result.problems.append(Problem("duplicate rows", resource["path"], f"rows {rows} repeat an earlier row"))


def _empty_columns(path: Path, package: dict, result: CheckResult, scrub) -> None:
    for resource, frame in _csv_resources(path, package):
        if frame.empty:
            continue
        for column in frame.columns:
            if (frame[column] == "").all():
                result.warnings.append(Problem("empty columns", f"{resource['path']}, column {column}", "every value is empty"))


def _k_anonymity(path: Path, package: dict, result: CheckResult, scrub) -> None:
    k = (package.get("lpip") or {}).get("k")
    file = path / "data" / "participants.csv"
    if not file.is_file():
        return
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    result.k = k
    if frame.empty:
        return
    result.k_achieved = k_anonymity(frame, QUASI_IDENTIFIERS)
    if k and result.k_achieved < k:
        result.problems.append(Problem("k-anonymity", "data/participants.csv",
                                       f"some combination of {', '.join(QUASI_IDENTIFIERS)} is shared by only "
                                       f"{result.k_achieved} people; the package was built for k = {k}"))


def _identifiers(path: Path, package: dict, result: CheckResult, scrub) -> None:
    if scrub is None:
        result.warnings.append(Problem("direct identifiers", "all files", "not checked against known names: no database"))
        return
    for resource, frame in _csv_resources(path, package):
        # What people wrote is in data/. The other tables (evidence/) are published statistics'
        # metadata: they cite web addresses and use everyday words that are also surnames
        # ("house price" when an attendee is called Price), so only contact details are looked for, not known names.
        people = resource.get("path", "").startswith("data/")
        for column in _free_text_columns(resource, frame):
            for index, value in frame[column].items():
                if not value or ID_LIKE.match(value):
                    continue
                cleaned = _without_labels(value, not people)
                # The location lets the anonymiser honour a reviewer's decision on this cell.
                found = (scrub(cleaned, resource["path"], index + 1, column) != cleaned if people
                         else _has_contact_details(cleaned))
                if found:
                    result.problems.append(Problem("direct identifiers", f"{resource['path']}, row {index + 2}, column {column}",
                                                   "holds a name, organisation or contact detail the anonymiser finds"))
    for name in ("docs/README.txt", "metadata/ddi_codebook.xml", "datapackage.json"):
        file = path / name
        if file.is_file():
            cleaned = _without_labels(file.read_text(encoding="utf-8", errors="replace"), True)
            if scrub(cleaned) != cleaned:
                result.problems.append(Problem("direct identifiers", name, "holds a name, organisation or contact detail"))


def _has_contact_details(text: str) -> bool:
    """Emails, phone numbers, NI numbers, postcodes, addresses, titled names: the anonymiser's
    patterns without its list of known people and organisations."""
    return Anonymiser().scrub(text) != text


def _free_text_columns(resource: dict, frame: pd.DataFrame) -> list[str]:
    """Columns that can hold what people wrote: strings without a fixed list of values (and
    any column the schema does not describe)."""
    fields = {f.get("name"): f for f in (resource.get("schema") or {}).get("fields", []) if isinstance(f, dict)}
    chosen = []
    for column in frame.columns:
        described = fields.get(column)
        if described is None or (described.get("type") == "string" and "enum" not in described.get("constraints", {})):
            chosen.append(column)
    return chosen


def _without_labels(text: str, drop_urls: bool) -> str:
    text = LABEL.sub(" ", text)
    return URL.sub(" ", text) if drop_urls else text


def _unknown_names(path: Path, package: dict, result: CheckResult, scrub) -> None:
    lpip = package.get("lpip") or {}
    if not lpip.get("ner"):
        result.warnings.append(Problem("unknown names", "text columns",
                                       "no named-entity backend was used (install lpip[ner] and a spaCy English model): "
                                       "names the system does not know may remain; read the review file"))


def health_check_html(result: CheckResult, title: str) -> str:
    """The health check as a small self-contained HTML page."""
    import html

    def rows(items):
        return "\n".join(f"<tr><td>{html.escape(p.check)}</td><td>{html.escape(p.where)}</td>"
                         f"<td>{html.escape(p.detail)}</td></tr>" for p in items)

    verdict = "passed" if result.ok else f"failed with {len(result.problems)} problem(s)"
    k = f"<p>k-anonymity of participants: asked {result.k}, achieved {result.k_achieved}.</p>" if result.k else ""
    buffer = io.StringIO()
    buffer.write(f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Health check: {html.escape(title)}"
                 "</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{border:1px solid #999;"
                 "padding:.3em;text-align:left;vertical-align:top}table{border-collapse:collapse}</style></head><body>")
    buffer.write(f"<h1>Health check</h1><p>{html.escape(title)}: the check {verdict}.</p>{k}")
    buffer.write("<h2>Checks passed</h2><ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in result.passed) + "</ul>")
    for heading, items in (("Problems", result.problems), ("Warnings", result.warnings)):
        buffer.write(f"<h2>{heading}</h2>")
        buffer.write(f"<table><tr><th>check</th><th>where</th><th>what</th></tr>{rows(items)}</table>" if items else "<p>None.</p>")
    buffer.write("</body></html>\n")
    return buffer.getvalue()
