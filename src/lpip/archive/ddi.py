"""The DDI-Codebook 2.5 document of a deposit (``metadata/ddi_codebook.xml``), the format of
the UK Data Service catalogue.

The study description (``stdyDscr``) comes from :class:`StudyInfo`; the files and variables
(``fileDscr``, ``dataDscr/var``) come from the same :class:`lpip.tabledesc.TableDescription`
objects as ``datapackage.json``. Elements are written in the order the DDI-Codebook 2.5 XML
Schema requires; the tests validate the output against the official schema.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pandas as pd

from lpip.tabledesc import Column, TableDescription

NAMESPACE = "ddi:codebook:2_5"
SCHEMA_LOCATION = "ddi:codebook:2_5 http://www.ddialliance.org/Specification/DDI-Codebook/2.5/XMLSchema/codebook.xsd"
NUMERIC = ("integer", "number", "year")


@dataclass
class StudyInfo:
    """What the catalogue says about the study (all text already anonymised where it must be)."""

    title: str
    abstract: str
    producers: list[tuple[str, str]] = field(default_factory=list)  # (name, affiliation)
    distributor: str = "UK Data Service"
    depositor: str = ""
    funder: str = ""
    grant_number: str = ""
    keywords: list[str] = field(default_factory=list)
    geography: list[str] = field(default_factory=list)
    nation: str = "United Kingdom"
    start: str | None = None
    end: str | None = None
    produced: str | None = None
    unit_of_analysis: str = "Individuals (participants) and their written contributions; geographic units (sub-regions)"
    universe: str = ""
    data_collection: str = ""
    sampling: str = ""
    consent: str = ""
    anonymisation: str = ""
    access: str = ""
    citation: str = ""
    software: str = ""


def ddi_codebook(study: StudyInfo, files: list[tuple[TableDescription, pd.DataFrame]]) -> bytes:
    """The DDI-Codebook 2.5 XML of a deposit, as UTF-8 bytes.

    Examples
    --------
    >>> xml = ddi_codebook(StudyInfo("A study", "What it is"), [])
    >>> xml.startswith(b"<?xml")
    True
    """
    ET.register_namespace("", NAMESPACE)
    root = _el(None, "codeBook", version="2.5", ID="lpip-deposit")
    root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", SCHEMA_LOCATION)
    _study(root, study)
    for number, (table, frame) in enumerate(files, start=1):
        file_description(root, table, frame, f"F{number}")
    data = _el(root, "dataDscr")
    counter = 0
    for number, (table, frame) in enumerate(files, start=1):
        for column in table.columns:
            counter += 1
            variable(data, column, frame, f"F{number}", f"V{counter}", table.missing_values)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _el(parent, tag: str, text: str | None = None, **attributes) -> ET.Element:
    name = f"{{{NAMESPACE}}}{tag}"
    element = ET.Element(name) if parent is None else ET.SubElement(parent, name)
    for key, value in attributes.items():
        if value is not None and value != "":
            element.set(key, str(value))
    if text:
        element.text = text
    return element


def _study(root: ET.Element, study: StudyInfo) -> None:
    stdy = _el(root, "stdyDscr")
    citation = _el(stdy, "citation")
    titles = _el(citation, "titlStmt")
    _el(titles, "titl", study.title)
    if study.producers:
        authors = _el(citation, "rspStmt")
        for name, affiliation in study.producers:
            _el(authors, "AuthEnty", name, affiliation=affiliation or None)
    production = _el(citation, "prodStmt")
    for name, affiliation in study.producers:
        _el(production, "producer", name, affiliation=affiliation or None)
    if study.produced:
        _el(production, "prodDate", study.produced, date=study.produced)
    if study.software:
        _el(production, "software", study.software)
    if study.funder:
        _el(production, "fundAg", study.funder)
    if study.grant_number:
        _el(production, "grantNo", study.grant_number)
    distribution = _el(citation, "distStmt")
    _el(distribution, "distrbtr", study.distributor)
    if study.depositor:
        _el(distribution, "depositr", study.depositor)
    if study.citation:
        _el(citation, "biblCit", study.citation)
    _study_info(stdy, study)
    _method(stdy, study)
    access = _el(stdy, "dataAccs")
    _el(_el(access, "setAvail"), "accsPlac", study.distributor)
    use = _el(access, "useStmt")
    _el(use, "restrctn", study.access)
    if study.citation:
        _el(use, "citReq", study.citation)


def _study_info(stdy: ET.Element, study: StudyInfo) -> None:
    info = _el(stdy, "stdyInfo")
    if study.keywords:
        subject = _el(info, "subject")
        for keyword in study.keywords:
            _el(subject, "keyword", keyword)
    _el(info, "abstract", study.abstract)
    summary = _el(info, "sumDscr")
    if study.start:
        _el(summary, "timePrd", study.start, event="start", date=study.start)
    if study.end:
        _el(summary, "timePrd", study.end, event="end", date=study.end)
    if study.start:
        _el(summary, "collDate", study.start, event="start", date=study.start)
    if study.end:
        _el(summary, "collDate", study.end, event="end", date=study.end)
    _el(summary, "nation", study.nation, abbr="GB")
    for area in study.geography:
        _el(summary, "geogCover", area)
    _el(summary, "anlyUnit", study.unit_of_analysis)
    if study.universe:
        _el(summary, "universe", study.universe)
    _el(summary, "dataKind", "Qualitative and quantitative: text, votes, counts and indicator values")


def _method(stdy: ET.Element, study: StudyInfo) -> None:
    method = _el(stdy, "method")
    collection = _el(method, "dataColl")
    if study.sampling:
        _el(collection, "sampProc", study.sampling)
    _el(collection, "collMode", study.data_collection)
    if study.consent:
        _el(method, "notes", study.consent, type="consent")
    if study.anonymisation:
        _el(method, "dataProcessing", study.anonymisation, type="anonymisation and disclosure control")


def file_description(root: ET.Element, table: TableDescription, frame: pd.DataFrame, file_id: str) -> ET.Element:
    """One ``fileDscr``: the file's name, content, dimensions and type."""
    description = _el(root, "fileDscr", ID=file_id, URI=table.path or f"{table.name}.csv")
    text = _el(description, "fileTxt")
    _el(text, "fileName", table.path or f"{table.name}.csv")
    _el(text, "fileCont", f"{table.title}. {table.description}".strip())
    dimensions = _el(text, "dimensns")
    _el(dimensions, "caseQnty", str(len(frame)))
    _el(dimensions, "varQnty", str(len(table.columns)))
    _el(text, "fileType", "text/csv", charset="UTF-8")
    _el(text, "format", "CSV (RFC 4180), header row, comma-separated, UTF-8")
    if table.primary_key:
        _el(description, "notes", f"Each row is identified by: {', '.join(table.primary_key)}.", type="primary key")
    for key in table.foreign_keys:
        _el(description, "notes", f"{', '.join(key.fields)} refers to {', '.join(key.reference_fields)} in "
                                  f"{key.resource}.csv.", type="foreign key")
    if table.licence:
        _el(description, "notes", f"Licence: {table.licence}.", type="licence")
    for source in table.sources:
        _el(description, "notes", f"Source: {source}", type="source")
    return description


def variable(parent: ET.Element, column: Column, frame: pd.DataFrame, file_id: str, var_id: str,
             missing: tuple[str, ...] = ("",)) -> ET.Element:
    """One ``var``: label, description, categories with labels, missing codes and format."""
    numeric = column.type in NUMERIC
    element = _el(parent, "var", ID=var_id, name=column.name, files=file_id,
                  intrvl="contin" if column.type == "number" else "discrete")
    _el(element, "labl", column.label)
    if column.minimum is not None or column.maximum is not None:
        range_ = _el(element, "valrng")
        _el(range_, "range", min=_number(column.minimum), max=_number(column.maximum))
    values = frame[column.name] if column.name in frame.columns else pd.Series(dtype=object)
    _el(element, "sumStat", str(int(values.notna().sum())), type="vald")
    _el(element, "sumStat", str(int(values.isna().sum())), type="invd")
    description = column.description + (f" Unit: {column.unit}." if column.unit else "")
    _el(element, "txt", description.strip() or column.label)
    for value, label in (column.categories or {}).items():
        category = _el(element, "catgry")
        _el(category, "catValu", value)
        _el(category, "labl", label)
    for code in missing:
        if code:
            category = _el(element, "catgry", missing="Y")
            _el(category, "catValu", code)
            _el(category, "labl", f"{code} (disclosure control)" if code == "suppressed" else code)
    _el(element, "varFormat", type="numeric" if numeric else "character", schema="other",
        otherSchema="Frictionless-Table-Schema", category="date" if column.type in ("date", "datetime") else None)
    return element


def _number(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)
