"""The documents inside a deposit: ``docs/README.txt`` (UK Data Service style), the data
dictionary (CSV and HTML, from the table descriptions) and the licence or access note."""

from __future__ import annotations

import html
import textwrap
from collections import Counter

import pandas as pd

from lpip.archive.ddi import StudyInfo
from lpip.archive.disclosure import suppress_small
from lpip.tabledesc import TableDescription

LICENCES = {
    "open": ("CC-BY-4.0", "Creative Commons Attribution 4.0 International",
             "https://creativecommons.org/licenses/by/4.0/"),
    "safeguarded": ("UKDS-EUL", "UK Data Service End User Licence",
                    "https://ukdataservice.ac.uk/app/uploads/cd137-enduserlicence.pdf"),
}
WIDTH = 78


def licence_text(access: str, study: StudyInfo) -> str:
    """The ``LICENSE`` file: the licence the data is offered under and the access note."""
    _key, name, url = LICENCES[access]
    if access == "open":
        body = (f"The data in this package are offered under the {name} licence ({url}). You may share and adapt "
                "them for any purpose, provided you give appropriate credit (see 'How to cite' in docs/README.txt).")
    else:
        body = (f"Access: safeguarded. The data in this package are offered to registered users of the UK Data Service "
                f"under the {name} ({url}). Users must not attempt to identify any individual or organisation, and "
                "must not share the data beyond the terms of that licence.")
    notes = ("The indicator data in evidence/ (if present) are published open data under their own licences, listed "
             "in evidence/sources.csv (mostly the Open Government Licence v3.0).")
    pending = ("The depositor signs the UK Data Service's deposit licence agreement separately; this file states "
               "the terms the depositor offers, not the archive's decision.")
    return "\n\n".join(_wrap(p) for p in (study.title, body, notes, pending)) + "\n"


def readme(study: StudyInfo, files: list[tuple[TableDescription, pd.DataFrame]], facts: dict) -> str:
    """``docs/README.txt``: study, methods, dates, geography, who took part (counts by sector,
    small counts suppressed), consent, anonymisation and disclosure control, files, citation."""
    k = facts["k"]
    sections = [
        ("Study", [study.title, study.abstract]),
        ("Methods", [study.data_collection, study.sampling]),
        ("Dates", [f"Workshops held from {study.start or 'an unrecorded date'} to {study.end or 'an unrecorded date'}. "
                   f"Package built from the database as it stood on {study.produced}."]),
        ("Geography", ["; ".join(study.geography) + "."]),
        ("Who took part", [f"People in participants.csv by sector (counts below {k} are shown as 'fewer than {k}'):",
                           *_sector_lines(facts["sectors"], k)]),
        ("Consent", [study.consent, _withheld(facts["withheld"])]),
        ("Anonymisation and disclosure control", [study.anonymisation, *facts["disclosure"]]),
        ("Files", [f"{table.path}: {table.title}. {table.description} ({len(frame)} rows)" for table, frame in files]
         + ["datapackage.json: Frictionless Data Package describing every CSV (types, descriptions, keys).",
            "metadata/ddi_codebook.xml: DDI-Codebook 2.5 study and variable description.",
            "docs/data_dictionary.csv, docs/data_dictionary.html: every column of every file.",
            "docs/health_check.html: the package's health check.",
            "LICENSE: licence and access note. MANIFEST-sha256.txt: SHA-256 checksum of every file."]),
        ("How to cite", [study.citation]),
    ]
    out = []
    for heading, paragraphs in sections:
        out += [heading.upper(), "-" * len(heading)]
        out += [_wrap(p) for p in paragraphs if p]
        out.append("")
    return "\n".join(out)


def _sector_lines(sectors: Counter, k: int) -> list[str]:
    total = sum(sectors.values())
    lines = [f"  {sector}: {suppress_small(count, k)}" for sector, count in sorted(sectors.items())]
    return lines + [f"  all: {suppress_small(total, k)}"]


def _withheld(withheld: Counter) -> str:
    if not withheld:
        return "Nothing was withheld for want of consent."
    parts = [f"{count} {what}" for what, count in sorted(withheld.items())]
    return ("Withheld (not written to any file) because the author did not consent to archiving or the workshop's "
            f"notes were not declared as collected under consent: {', '.join(parts)}.")


def _wrap(text: str) -> str:
    return "\n".join(textwrap.fill(line, WIDTH) if len(line) > WIDTH and not line.startswith("  ") else line
                     for line in text.splitlines())


def data_dictionary(tables: list[TableDescription]) -> pd.DataFrame:
    """One row per column of every file: file, column, title, type, unit, values, description."""
    rows = []
    for table in tables:
        for column in table.columns:
            values = "; ".join(f"{v} = {label}" for v, label in (column.categories or {}).items())
            rows.append({"file": table.path, "column": column.name, "title": column.label, "type": column.type,
                         "unit": column.unit or "", "values": values,
                         "missing_values": ", ".join(repr(m) for m in table.missing_values),
                         "key": "primary key" if column.name in table.primary_key else "",
                         "description": column.description})
    return pd.DataFrame(rows, columns=["file", "column", "title", "type", "unit", "values", "missing_values", "key",
                                       "description"])


def data_dictionary_html(dictionary: pd.DataFrame, title: str) -> str:
    """The data dictionary as a self-contained HTML page, one table per file."""
    parts = [f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data dictionary: {html.escape(title)}"
             "</title><style>body{font-family:sans-serif;max-width:70em;margin:2em auto}td,th{border:1px solid #999;"
             "padding:.3em;text-align:left;vertical-align:top}table{border-collapse:collapse;margin-bottom:2em}</style>"
             f"</head><body><h1>Data dictionary</h1><p>{html.escape(title)}</p>"]
    for file, rows in dictionary.groupby("file", sort=False):
        parts.append(f"<h2>{html.escape(str(file))}</h2><table><tr><th>column</th><th>title</th><th>type</th>"
                     "<th>unit</th><th>values</th><th>description</th></tr>")
        for row in rows.itertuples(index=False):
            parts.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in
                                          (row.column, row.title, row.type, row.unit, row.values, row.description)) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
