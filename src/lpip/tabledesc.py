"""One description of a table, written out three ways: CSV on the Web (CSVW), a Frictionless
Table Schema (and Data Package resource), and, in :mod:`lpip.archive.ddi`, DDI-Codebook
``fileDscr``/``var`` elements.

A :class:`TableDescription` says what a CSV file holds: its name, title and description,
its columns (type, description, unit, allowed values and their labels, missing-value
markers), its primary and foreign keys, licence and sources. Every writer reads the same
object, so the CSVW sidecar of an indicator export, the ``datapackage.json`` of a deposit
and the DDI codebook cannot disagree about a column.

Types are Frictionless Table Schema types (``string``, ``integer``, ``number``, ``boolean``,
``date``, ``datetime``); :data:`CSVW_DATATYPES` maps them to CSVW's built-in datatypes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "year")
CSVW_DATATYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
                  "date": "date", "datetime": "datetime", "year": "gYear"}
CSVW_CONTEXT = ["http://www.w3.org/ns/csvw", {"@language": "en"}]


@dataclass(frozen=True)
class Column:
    """One column: ``name`` as in the CSV header, a Table Schema ``type``, and what it means.

    ``categories`` maps each allowed value (as written in the file) to its label; when given,
    the value must be one of them. ``unit`` is free text (e.g. "percent", "pounds").
    """

    name: str
    type: str = "string"
    title: str = ""
    description: str = ""
    unit: str | None = None
    categories: dict[str, str] | None = None
    required: bool = False
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"Column {self.name!r}: type {self.type!r} is not one of {', '.join(TYPES)}.")

    @property
    def label(self) -> str:
        return self.title or self.name


@dataclass(frozen=True)
class ForeignKey:
    """``fields`` of this table refer to ``reference_fields`` of the table ``resource``."""

    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class TableDescription:
    """A CSV file described: columns, keys, licence and sources (see the module docstring).

    Examples
    --------
    >>> table = TableDescription("votes", "Votes", columns=(Column("vote", "integer"),))
    >>> to_table_schema(table)["fields"][0]["type"]
    'integer'
    """

    name: str
    title: str
    description: str = ""
    columns: tuple[Column, ...] = ()
    path: str | None = None
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    missing_values: tuple[str, ...] = ("",)
    licence: str | None = None
    sources: tuple[str, ...] = ()
    publisher: str | None = None
    notes: tuple[str, ...] = ()
    # Properties only some writers know (CSVW ``lpip:unit``, ``dc:identifier`` ...): name -> value.
    properties: dict = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"Table {self.name!r} has no column {name!r}.")

    def with_columns(self, names) -> TableDescription:
        """The same table restricted to ``names`` (in that order); keys on dropped columns go."""
        from dataclasses import replace

        names = list(names)
        kept = tuple(self.column(name) for name in names)
        key = self.primary_key if set(self.primary_key) <= set(names) else ()
        foreign = tuple(k for k in self.foreign_keys if set(k.fields) <= set(names))
        return replace(self, columns=kept, primary_key=key, foreign_keys=foreign)


# ----------------------------------------------------------------------------- CSVW


def to_csvw(table: TableDescription, url: str | None = None) -> dict:
    """A CSV-on-the-Web metadata document (``FILE.csv-metadata.json``) for the table.

    Standard keys carry what CSVW readers know (``dc:title``, ``dc:license``, column
    ``datatype`` and ``dc:description``); ``table.properties`` are added as they are.
    """
    document = {
        "@context": CSVW_CONTEXT,
        "url": url or table.path or f"{table.name}.csv",
        "dc:title": table.title,
        "dc:description": table.description,
        "dc:publisher": table.publisher,
        "dc:license": table.licence,
        "dc:source": "; ".join(table.sources) if table.sources else None,
        **table.properties,
        "rdfs:comment": list(table.notes) or None,
        "tableSchema": _csvw_schema(table),
    }
    return {key: value for key, value in document.items() if value not in (None, "", [])}


def _csvw_schema(table: TableDescription) -> dict:
    schema = {"columns": [_csvw_column(column) for column in table.columns]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        schema["foreignKeys"] = [{"columnReference": list(k.fields),
                                  "reference": {"resource": f"{k.resource}.csv", "columnReference": list(k.reference_fields)}}
                                 for k in table.foreign_keys]
    return schema


def _csvw_column(column: Column) -> dict:
    datatype: dict | str = CSVW_DATATYPES[column.type]
    facets = {key: value for key, value in (("minimum", column.minimum), ("maximum", column.maximum)) if value is not None}
    if facets:
        datatype = {"base": datatype, **facets}
    described = {"name": column.name, "titles": column.label, "datatype": datatype,
                 "dc:description": column.description or None, "lpip:unit": column.unit,
                 "required": True if column.required else None}
    return {key: value for key, value in described.items() if value is not None}


# ----------------------------------------------------------------------------- Frictionless


def to_table_schema(table: TableDescription) -> dict:
    """A Frictionless Table Schema: fields with types, descriptions and constraints, missing
    values, primary and foreign keys."""
    schema = {"fields": [_field(column) for column in table.columns],
              "missingValues": list(table.missing_values)}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        schema["foreignKeys"] = [{"fields": list(k.fields),
                                  "reference": {"resource": k.resource, "fields": list(k.reference_fields)}}
                                 for k in table.foreign_keys]
    return schema


def _field(column: Column) -> dict:
    described = {"name": column.name, "type": column.type, "title": column.title or None,
                 "description": _with_unit(column) or None}
    constraints = {"required": column.required or None, "unique": column.unique or None,
                   "enum": _enum(column), "minimum": column.minimum, "maximum": column.maximum}
    constraints = {key: value for key, value in constraints.items() if value is not None}
    if constraints:
        described["constraints"] = constraints
    if column.type == "boolean":
        described.update(trueValues=["true"], falseValues=["false"])
    return {key: value for key, value in described.items() if value is not None}


def _enum(column: Column) -> list | None:
    if not column.categories:
        return None
    if column.type == "integer":
        return [int(value) for value in column.categories]
    return list(column.categories)


def _with_unit(column: Column) -> str:
    text = column.description
    if column.categories:
        text += (" " if text else "") + "Values: " + "; ".join(f"{v} = {label}" for v, label in column.categories.items()) + "."
    if column.unit:
        text += (" " if text else "") + f"Unit: {column.unit}."
    return text


def to_resource(table: TableDescription) -> dict:
    """A Frictionless Data Package resource (a CSV file with its Table Schema)."""
    resource = {
        "name": table.name, "path": table.path or f"{table.name}.csv", "profile": "tabular-data-resource",
        "title": table.title, "description": table.description or None, "format": "csv", "mediatype": "text/csv",
        "encoding": "utf-8", "schema": to_table_schema(table),
    }
    if table.licence:
        resource["licenses"] = [{"name": table.licence, "title": table.licence}]
    if table.sources:
        resource["sources"] = [{"title": source} for source in table.sources]
    return {key: value for key, value in resource.items() if value is not None}
