"""The codebook: a tree of codes, editable, stored in the database, exchanged as REFI-QDA or CSV.

A codebook is a DataFrame with one row per code and the columns of :data:`CODEBOOK_COLUMNS`:

``guid``
    The code's REFI-QDA identifier (kept across export and import so codes stay the same codes).
``name``
    Unique in the codebook, ignoring case and Unicode form ("Économie locale" and
    "ÉCONOMIE LOCALE" are the same name); any script and accents are welcome.
``parent``
    The parent code's name, empty for a top-level code.
``description``
    What the code means and when to apply it.
``keywords``
    Keywords and phrases for rule coding, separated by ``;`` (see :mod:`lpip.deliberation.coding`).
``color``
    ``#RRGGBB`` or empty.
``is_codable``
    False for codes that only group others (REFI-QDA ``isCodable``).

The default codebook (:func:`default_codebook`) has two groups. **Indicator themes**: the nine
themes of the indicator catalogue, so that what people say can be set beside the evidence on the
same theme. **Cross-cutting**: codes that run across themes and that Local Policy Innovation
Partnerships exist to work on: "partnership working", "funding", "place identity" and
"inequality", plus five more, each because workshops keep raising it and no theme holds it:
"governance and decision-making" (who decides, devolution: the LPIP question itself),
"community voice and participation" (being heard, engagement), "data and evidence" (the
evidence base the partnership builds), "young people" (the group most often named as left out)
and "community safety" (a frequent local concern that no indicator theme covers).

Files: REFI-QDA Codebook Exchange (``.qdc``, ``<CodeBook xmlns="urn:QDA-XML:codebook:1.0">``,
read by NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette) and CSV with the columns above. The
REFI-QDA schema has no place for keywords, so they travel in the code's ``<Description>`` as a
last line ``Keywords: a; b; c``, which other programs show as text and lpip reads back.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lpip.deliberation.models import Code
from lpip.errors import InvalidCodebook, UnknownCode
from lpip.spreadsheets import CSV_SUFFIXES, XLSX_SUFFIXES, read_rows, write_csv
from lpip.text import clean_text

CODEBOOK_COLUMNS = ("guid", "name", "parent", "description", "keywords", "color", "is_codable")
QDC_NAMESPACE = "urn:QDA-XML:codebook:1.0"
KEYWORDS_LINE = "Keywords:"
# Default codes get name-based GUIDs so that every install's default codebook has the same ones.
GUID_NAMESPACE = uuid.UUID("6f1d0c2e-3c51-4a8e-9a57-2f0e8d0b6a11")
GUID_PATTERN = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
COLOR_PATTERN = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
TRUE_WORDS = {"true", "yes", "y", "1"}
# Codes nested deeper than this are refused (REFI-QDA sets no limit; no real codebook comes close).
MAX_DEPTH = 20
FALSE_WORDS = {"false", "no", "n", "0"}

THEMES_GROUP = "Indicator themes"
CROSS_CUTTING_GROUP = "Cross-cutting"

# (name, parent, colour, description, keywords). Keywords are stemmed before matching, so
# "house" also finds "houses" and "housing"; a trailing * matches any word starting so ("apprentic*"); a
# keyword in double quotes is matched as written ("hospital" would otherwise find "hospitality").
DEFAULT_CODES: tuple[tuple[str, str | None, str, str, str], ...] = (
    (THEMES_GROUP, None, "#5b6770", "The nine themes of the indicator catalogue.", ""),
    ("population", THEMES_GROUP, "#8c6bb1", "Who lives here: growth, age, migration, diversity.",
     "population; residents; ageing; older people; elderly; migration; migrants; newcomers; "
     "immigrants; diversity; demographic*; birth rate; census"),
    ("economy & productivity", THEMES_GROUP, "#1f78b4",
     "The local economy: business, growth, investment, productivity, town centres.",
     "economy; economic; business; businesses; small business; SME; enterprise; entrepreneur*; "
     "productivity; investment; investor; growth; industry; manufacturing; retail; shops; "
     "high street; town centre; downtown; tourism; innovation; startup; local economy"),
    ("labour market", THEMES_GROUP, "#33a02c", "Work: jobs, employment, wages, employers.",
     "job; jobs; employment; unemployment; unemployed; employer; employers; work; workers; "
     "workforce; wages; pay; living wage; salary; career*; recruit*; shifts; zero hours"),
    ("skills", THEMES_GROUP, "#b2df8a", "Education and training, from school to adult learning.",
     "skills; training; apprentic*; education; school; schools; college; university; "
     "qualification*; learning; adult learning; literacy; numeracy; teacher*; students; graduates"),
    ("income & deprivation", THEMES_GROUP, "#e31a1c",
     "Poverty and deprivation: income, cost of living, benefits, debt.",
     "poverty; deprivation; deprived; low income; income; cost of living; benefits; "
     "universal credit; debt; food bank; foodbank; fuel poverty; hardship; afford; affordable; "
     "struggling"),
    ("health & wellbeing", THEMES_GROUP, "#fb9a99",
     "Physical and mental health, care, healthy lives.",
     "health; healthy; wellbeing; well-being; NHS; GP; doctor; doctors; \"hospital\"; \"hospitals\"; care; social care; "
     "carers; disease; obesity; exercise; physical activity; smoking; alcohol; drugs; "
     "life expectancy; loneliness; isolation"),
    ("mental health", "health & wellbeing", "#f4a6a6", "Mental health and emotional wellbeing.",
     "mental health; anxiety; depression; stress; suicide; counselling; emotional wellbeing"),
    ("housing", THEMES_GROUP, "#ff7f00", "Homes: supply, affordability, quality, homelessness.",
     "housing; house; houses; homes; home; rent; rents; renting; landlord*; tenant*; mortgage; "
     "affordable housing; social housing; council housing; homeless; homelessness; damp; "
     "overcrowding; development; developers; housing estate"),
    ("environment & net zero", THEMES_GROUP, "#6a9f3a",
     "The natural and built environment, climate change and net zero.",
     "environment; environmental; climate; climate change; net zero; carbon; emissions; "
     "pollution; air quality; recycling; waste; litter; flooding; energy; renewable; solar; "
     "insulation; sustainab*; biodiversity; wildlife; ecosystem*; species; trees; conservation; "
     "nature"),
    ("green space and nature", "environment & net zero", "#9acd6e",
     "Parks, green and blue spaces, nature on the doorstep.",
     "park; parks; green space; green spaces; open space; playground; allotment*; trees; "
     "woodland; river; canal; trail; trails; walking; nature reserve"),
    ("connectivity", THEMES_GROUP, "#a6cee3",
     "Getting around and getting online: transport, roads, broadband.",
     "transport; travel; commute; commuting; roads; road; traffic; congestion; parking; "
     "cycling; bike; bikes; walkable; sidewalk*; pavement*; connectivity; connected"),
    ("public transport", "connectivity", "#7fb8d8", "Buses, trains, trams and their timetables.",
     "bus; buses; train; trains; rail; railway; station; tram; metro; public transport; "
     "timetable; bus route; bus service; fares; transit; public transit"),
    ("digital access", "connectivity", "#5d9cc4", "Broadband, mobile signal and digital skills.",
     "broadband; internet; online; wifi; wi-fi; digital; mobile signal; 5G; fibre; "
     "digital exclusion; digital skills"),
    (CROSS_CUTTING_GROUP, None, "#5b6770", "Codes that run across the indicator themes.", ""),
    ("partnership working", CROSS_CUTTING_GROUP, "#6a3d9a",
     "Organisations working together: collaboration, joined-up services, co-production.",
     "partnership; partnerships; partner; partners; collaborat*; work together; working together; "
     "joined up; joined-up; co-production; coproduction; cooperation; coordination; network; "
     "networking; silos; stakeholders; alliance"),
    ("funding", CROSS_CUTTING_GROUP, "#b15928",
     "Money for places and services: budgets, grants, cuts, investment decisions.",
     "funding; funded; fund; funds; grant; grants; budget; budgets; cuts; austerity; money; "
     "finance; financial; investment; tax; taxes; council tax; spending; resources; cost"),
    ("place identity", CROSS_CUTTING_GROUP, "#cab2d6",
     "What makes the place itself: character, heritage, pride, belonging, community spirit.",
     "identity; heritage; history; historic; character; pride; proud; belonging; culture; "
     "cultural; community spirit; hometown; sense of place; charm; welcoming; "
     "\"hospitality\"; local character; artist*; arts; museum*; music; festival*"),
    ("inequality", CROSS_CUTTING_GROUP, "#fdbf6f",
     "Unequal chances between people and places: disadvantage, discrimination, exclusion, equity.",
     "inequality; inequalities; unequal; equity; equitable; equality; fair; fairness; unfair; "
     "disadvantaged; disadvantage; discrimination; racism; left behind; exclusion; excluded; "
     "marginalised; marginalized; gap; divide; privilege; minority; minorities; disabled"),
    ("governance and decision-making", CROSS_CUTTING_GROUP, "#999999",
     "Who decides and how: councils, devolution, leadership, accountability.",
     "council; councils; councillor*; government; governance; devolution; mayor; combined authority; "
     "decision; decisions; decision making; leadership; leaders; policy; policies; accountability; "
     "transparency; bureaucracy; regulation; planning permission"),
    ("community voice and participation", CROSS_CUTTING_GROUP, "#ffd92f",
     "Being heard and taking part: engagement, consultation, volunteering.",
     "voice; voices; heard; listen; listening; consultation; consult; engagement; engage; "
     "participation; participate; involve; involved; involvement; volunteer*; community groups; "
     "residents groups; have a say; feedback"),
    ("data and evidence", CROSS_CUTTING_GROUP, "#66c2a5",
     "The evidence base: data, research, measuring and sharing what works.",
     "data; evidence; research; statistics; measure; measuring; monitoring; evaluation; "
     "indicators; information; share the data; open data; survey"),
    ("young people", CROSS_CUTTING_GROUP, "#e78ac3",
     "Children and young people: their prospects, services and say.",
     "young people; youth; youngsters; children; kids; teenagers; teens; students; "
     "next generation; future generations; young families"),
    ("community safety", CROSS_CUTTING_GROUP, "#8da0cb",
     "Crime, policing and feeling safe.",
     "crime; safety; safe; unsafe; police; policing; antisocial; anti-social; violence; "
     "knife crime; theft; burglary; vandalism; drugs dealing; lighting"),
)


def default_codebook() -> pd.DataFrame:
    """The default codebook: the indicator themes and cross-cutting codes (see the module notes).

    Returns
    -------
    DataFrame
        One row per code, columns :data:`CODEBOOK_COLUMNS`, parents before their children.

    Examples
    --------
    >>> book = default_codebook()
    >>> "partnership working" in set(book["name"])
    True
    """
    rows = [
        {"guid": _default_guid(name), "name": name, "parent": parent or "", "description": text,
         "keywords": keywords, "color": color, "is_codable": name not in (THEMES_GROUP, CROSS_CUTTING_GROUP)}
        for name, parent, color, text, keywords in DEFAULT_CODES
    ]
    return check_codebook(pd.DataFrame(rows, columns=CODEBOOK_COLUMNS), "the default codebook")


def _default_guid(name: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, name)).upper()


# ----------------------------------------------------------------------------- checking


def name_key(name: str) -> str:
    """The form in which two code names are compared: Unicode NFC, case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def clean_name(name) -> str:
    """A code name as stored: :func:`lpip.text.clean_text` (no control, zero-width or bidi
    characters, the same on SQLite and PostgreSQL), NFC, one space between words."""
    return " ".join(clean_text("" if name is None or pd.isna(name) else str(name), single_line=True).split())


def check_codebook(frame: pd.DataFrame, source: str = "the codebook") -> pd.DataFrame:
    """Check and tidy a codebook; raise :class:`InvalidCodebook` listing every problem.

    Names must be non-empty and unique (ignoring case and Unicode form); parents must be codes
    of the same codebook, with no cycles; colours ``#RRGGBB``; GUIDs well formed and unique
    (missing ones are made). Rows come back with parents before children.

    Parameters
    ----------
    frame : DataFrame
        At least a ``name`` column; the other :data:`CODEBOOK_COLUMNS` are optional.
    source : str
        What to call the codebook in messages (a file path, say).

    Examples
    --------
    >>> book = check_codebook(pd.DataFrame({"name": ["Économie locale", "Emplois"],
    ...                                     "parent": ["", "Économie locale"]}))
    >>> book["parent"].tolist()
    ['', 'Économie locale']
    """
    if "name" not in frame.columns:
        raise InvalidCodebook(f"{source} has no 'name' column: a codebook needs at least the code names.")
    if frame.empty:
        raise InvalidCodebook(f"{source} holds no codes: a codebook needs at least one code.")
    book = _with_defaults(frame)
    problems = _duplicate_names(book) + _bad_parents(book) + _bad_values(book)
    if not problems:
        problems = _too_deep(book)
    if problems:
        raise InvalidCodebook(f"{source} cannot be used as it stands; fix these and try again:", problems)
    return _parents_first(book)


def _with_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    # The index is kept: row numbers in messages are index + 2 (a spreadsheet's header is row 1).
    book = pd.DataFrame(index=frame.index if frame.index.is_unique else range(len(frame)))
    for column in CODEBOOK_COLUMNS:
        values = frame[column].tolist() if column in frame.columns else [None] * len(frame)
        book[column] = values
    book["name"] = book["name"].map(clean_name)
    book["parent"] = book["parent"].map(clean_name)
    book["description"] = book["description"].map(lambda v: "" if pd.isna(v) else clean_text(str(v)))
    book["keywords"] = book["keywords"].map(normalise_keywords)
    book["color"] = book["color"].map(lambda v: "" if pd.isna(v) else clean_text(str(v)))
    book["guid"] = [_guid_or_new(v) for v in book["guid"]]
    book["is_codable"] = book["is_codable"].map(_as_bool)
    return book


def normalise_keywords(value) -> str:
    """Keywords as one string ``a; b; c`` (lines or semicolons in, empty items dropped)."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[;\n]", str(value))
    cleaned = [" ".join(clean_text(str(i), single_line=True).split()) for i in items]
    return "; ".join(i for i in cleaned if i)


def _guid_or_new(value) -> str:
    text = "" if value is None or pd.isna(value) else clean_text(str(value))
    return text.strip("{}").upper() if text else str(uuid.uuid4()).upper()


def _as_bool(value):
    if value is None or (not isinstance(value, bool) and pd.isna(value)):
        return True
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS or word == "":
        return True
    if word in FALSE_WORDS:
        return False
    return value  # reported by _bad_values


def _duplicate_names(book: pd.DataFrame) -> list[str]:
    problems = [f"row {i + 2}: the code name is empty" for i in book.index[book["name"] == ""]]
    keys = book["name"].map(name_key)
    for _key, rows in book[book["name"] != ""].groupby(keys[book["name"] != ""]).groups.items():
        if len(rows) > 1:
            names = " and ".join(repr(book.at[r, "name"]) for r in rows)
            problems.append(
                f"duplicate code name {names} (rows {', '.join(str(r + 2) for r in rows)}): "
                "code names must be unique, ignoring case; rename or merge them"
            )
    guids = book["guid"].str.upper()
    for guid in guids[guids.duplicated()].unique():
        problems.append(f"GUID {guid} is used by more than one code: each code needs its own")
    return problems


def _bad_parents(book: pd.DataFrame) -> list[str]:
    keys = {name_key(n): n for n in book["name"]}
    problems = []
    for i, row in book.iterrows():
        if row["parent"] and name_key(row["parent"]) not in keys:
            hint = difflib.get_close_matches(row["parent"], list(keys.values()), n=1)
            problems.append(
                f"row {i + 2}: code {row['name']!r} has parent {row['parent']!r}, which is not a code "
                f"in the codebook{f' (did you mean {hint[0]!r}?)' if hint else ''}; add that code or fix the name"
            )
        elif row["parent"]:
            book.at[i, "parent"] = keys[name_key(row["parent"])]
    return problems + _cycles(book)


def _cycles(book: pd.DataFrame) -> list[str]:
    parent_of = {name_key(n): name_key(p) for n, p in zip(book["name"], book["parent"]) if p}
    problems = []
    for start in parent_of:
        seen, node = {start}, parent_of.get(start)
        while node is not None:
            if node in seen:
                problems.append(f"code {start!r} is its own ancestor (a loop of parents): break the loop")
                break
            seen.add(node)
            node = parent_of.get(node)
    return problems


def _too_deep(book: pd.DataFrame) -> list[str]:
    """Codes nested deeper than :data:`MAX_DEPTH` levels (a damaged or generated file: the tree
    is shown and exported level by level, and no codebook needs that many)."""
    parent_of = {name_key(n): name_key(p) for n, p in zip(book["name"], book["parent"]) if p}
    deepest, name = 0, ""
    for start, code in zip(book["name"].map(name_key), book["name"]):
        depth, node = 1, parent_of.get(start)
        while node is not None:
            depth, node = depth + 1, parent_of.get(node)
        if depth > deepest:
            deepest, name = depth, code
    if deepest <= MAX_DEPTH:
        return []
    return [f"code {name[:40]!r} is nested {deepest} levels deep; lpip takes codebooks up to {MAX_DEPTH} levels "
            "deep: move codes up the tree"]


def _bad_values(book: pd.DataFrame) -> list[str]:
    problems = []
    for i, row in book.iterrows():
        if row["color"] and not COLOR_PATTERN.match(row["color"]):
            problems.append(f"row {i + 2}: colour {row['color']!r} of {row['name']!r} is not #RRGGBB")
        if not GUID_PATTERN.match(row["guid"]):
            problems.append(f"row {i + 2}: GUID {row['guid']!r} of {row['name']!r} is not a GUID "
                            "(8-4-4-4-12 hex digits); leave it empty for a new code")
        if not isinstance(row["is_codable"], bool):
            problems.append(f"row {i + 2}: is_codable {row['is_codable']!r} of {row['name']!r} must be true or false")
        if len(row["name"]) > 200:
            problems.append(f"row {i + 2}: code name {row['name'][:40]!r}... is longer than 200 characters")
    return problems


def _parents_first(book: pd.DataFrame) -> pd.DataFrame:
    children: dict[str, list[int]] = {}
    for i, parent in zip(book.index, book["parent"]):
        children.setdefault(parent, []).append(i)
    order: list[int] = []
    stack = list(reversed(children.get("", [])))
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(reversed(children.get(book.at[i, "name"], [])))
    return book.loc[order].reset_index(drop=True)


# ----------------------------------------------------------------------------- the tree


def descendants(codebook: pd.DataFrame, name: str) -> list[str]:
    """Names of a code's children, grandchildren and so on (not the code itself)."""
    found, frontier = [], [name]
    while frontier:
        kids = codebook.loc[codebook["parent"].isin(frontier), "name"].tolist()
        found += kids
        frontier = kids
    return found


def code_paths(codebook: pd.DataFrame) -> pd.Series:
    """Each code's path from the top, "Indicator themes / connectivity / public transport"."""
    parent = dict(zip(codebook["name"], codebook["parent"]))

    def path(name: str) -> str:
        parts = [name]
        while parent.get(parts[-1]):
            parts.append(parent[parts[-1]])
        return " / ".join(reversed(parts))

    return codebook["name"].map(path)


def find_code(codebook: pd.DataFrame, name: str) -> str:
    """The codebook's spelling of ``name`` (compared ignoring case); :class:`UnknownCode` if absent."""
    keys = dict(zip(codebook["name"].map(name_key), codebook["name"]))
    found = keys.get(name_key(name))
    if found is None:
        hint = difflib.get_close_matches(name, codebook["name"].tolist(), n=1)
        raise UnknownCode(
            f"There is no code {name!r} in the codebook"
            f"{f'; did you mean {hint[0]!r}?' if hint else '.'} See `lpip coding codebook show`."
        )
    return found


# ----------------------------------------------------------------------------- REFI-QDA


def to_qdc(codebook: pd.DataFrame, origin: str = "lpip") -> str:
    """The codebook as REFI-QDA Codebook Exchange XML (a ``.qdc`` file's text).

    Examples
    --------
    >>> xml = to_qdc(default_codebook())
    >>> xml.startswith('<?xml version="1.0" encoding="utf-8"?>')
    True
    """
    ET.register_namespace("", QDC_NAMESPACE)
    root = ET.Element(f"{{{QDC_NAMESPACE}}}CodeBook", {"origin": origin})
    codes = ET.SubElement(root, f"{{{QDC_NAMESPACE}}}Codes")
    elements: dict[str, ET.Element] = {}
    for row in codebook.itertuples(index=False):
        parent = elements.get(row.parent, codes)
        elements[row.name] = _code_element(parent, row)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _code_element(parent: ET.Element, row) -> ET.Element:
    attributes = {"guid": row.guid, "name": row.name, "isCodable": "true" if row.is_codable else "false"}
    if row.color:
        attributes["color"] = row.color
    element = ET.SubElement(parent, f"{{{QDC_NAMESPACE}}}Code", attributes)
    description = _description_with_keywords(row.description, row.keywords)
    if description:
        ET.SubElement(element, f"{{{QDC_NAMESPACE}}}Description").text = description
    return element


def _description_with_keywords(description: str, keywords: str) -> str:
    if not keywords:
        return description
    return f"{description}\n\n{KEYWORDS_LINE} {keywords}" if description else f"{KEYWORDS_LINE} {keywords}"


def from_qdc(data: bytes | str, source: str = "the .qdc file") -> pd.DataFrame:
    """Read REFI-QDA codebook XML (a ``.qdc`` file, or the CodeBook of a project's ``.qde``).

    Raises
    ------
    InvalidCodebook
        When the XML is malformed, has no ``<Codes>`` or no code in it, nests codes deeper than
        :data:`MAX_DEPTH` levels, or the codes break :func:`check_codebook`.
    """
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, ValueError, UnicodeError) as exc:
        raise InvalidCodebook(
            f"{source} is not well-formed XML ({exc}). "
            "Export the codebook again as a REFI-QDA codebook (.qdc)."
        ) from None
    codes = next((e for e in root.iter() if _local(e.tag) == "Codes"), None)
    if codes is None:
        raise InvalidCodebook(
            f"{source} has no <Codes> element: it is not a REFI-QDA codebook "
            f"(<CodeBook xmlns=\"{QDC_NAMESPACE}\"><Codes>...)."
        )
    rows = _read_codes(codes, source)
    if not rows:
        raise InvalidCodebook(f"{source} has an empty <Codes> element: there are no codes to import. "
                              "Export the codebook again with its codes.")
    return check_codebook(pd.DataFrame(rows, columns=CODEBOOK_COLUMNS), source)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _read_codes(codes: ET.Element, source: str) -> list[dict]:
    """The <Code> elements under <Codes>, parents first, read without recursion (a damaged or
    hostile file may nest thousands of levels)."""
    rows: list[dict] = []
    stack = [(element, "", 1) for element in reversed(list(codes))]
    while stack:
        element, parent, depth = stack.pop()
        if _local(element.tag) != "Code":
            continue
        if depth > MAX_DEPTH:
            raise InvalidCodebook(f"{source} nests codes more than {MAX_DEPTH} levels deep; lpip takes codebooks "
                                  f"up to {MAX_DEPTH} levels deep. Move codes up the tree and export again.")
        description = next((c.text or "" for c in element if _local(c.tag) == "Description"), "")
        text, keywords = _split_keywords(description)
        rows.append({
            "guid": element.get("guid"), "name": element.get("name"), "parent": parent,
            "description": text, "keywords": keywords, "color": element.get("color"),
            "is_codable": element.get("isCodable", "true"),
        })
        name = clean_name(element.get("name"))
        stack.extend((child, name, depth + 1) for child in reversed(list(element)))
    return rows


def _split_keywords(description: str) -> tuple[str, str]:
    lines = description.rstrip().splitlines()
    if lines and lines[-1].strip().startswith(KEYWORDS_LINE):
        return "\n".join(lines[:-1]).strip(), lines[-1].strip()[len(KEYWORDS_LINE):].strip()
    return description.strip(), ""


# ----------------------------------------------------------------------------- files


def read_codebook(path: str | Path) -> pd.DataFrame:
    """Read a codebook file: REFI-QDA ``.qdc`` (XML), or a spreadsheet with the columns above:
    ``.csv`` (UTF-8 or Windows-1252) or ``.xlsx`` (first sheet), read as every importer reads
    spreadsheets (:func:`lpip.spreadsheets.read_rows`).

    Examples
    --------
    >>> book = read_codebook("codebook.qdc")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidCodebook(f"{path} does not exist: give the path of a .qdc, .csv or .xlsx codebook file.")
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        return from_qdc(path.read_bytes(), str(path))
    if suffix in (*CSV_SUFFIXES, *XLSX_SUFFIXES):
        return _read_codebook_sheet(path)
    raise InvalidCodebook(f"{path}: codebooks are read from .qdc (REFI-QDA), .csv or .xlsx files, "
                          f"not {suffix or 'files without a suffix'}.")


def _read_codebook_sheet(path: Path) -> pd.DataFrame:
    sheet = read_rows(path, InvalidCodebook, "A codebook has a header row (name, parent, ...) and one row per code.")
    columns = [c.lower() for c in sheet.columns]
    unknown = [c for c in columns if c and c not in CODEBOOK_COLUMNS]
    if unknown:
        raise InvalidCodebook(
            f"{path} has unexpected column(s) {', '.join(map(repr, unknown))}; a codebook CSV has "
            f"{', '.join(CODEBOOK_COLUMNS)} (only 'name' is required)."
        )
    if not sheet.rows:
        raise InvalidCodebook(f"{path} holds no codes: it needs a header row (name, parent, ...) and one row per code.")
    frame = pd.DataFrame([cells for _, cells in sheet.rows], columns=columns, dtype=object)
    frame = frame[[c for c in columns if c]]
    # Spreadsheet row numbers for the messages (blank rows are skipped, so they may not run on).
    return check_codebook(frame.set_axis([number - 2 for number, _ in sheet.rows]), str(path))


def write_codebook(codebook: pd.DataFrame, path: str | Path) -> Path:
    """Write a codebook as ``.qdc`` (REFI-QDA) or ``.csv`` (UTF-8), chosen by the suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        path.write_text(to_qdc(codebook), encoding="utf-8")
    elif suffix == ".csv":
        frame = codebook[list(CODEBOOK_COLUMNS)].assign(is_codable=codebook["is_codable"].map(str).str.lower())
        write_csv(frame, path)
    else:
        raise InvalidCodebook(f"{path}: write the codebook to a .qdc (REFI-QDA) or .csv file.")
    return path


# ----------------------------------------------------------------------------- the database


@dataclass(frozen=True)
class CodebookChanges:
    """What :func:`save_codebook` changed: codes added, updated and removed."""

    added: int
    updated: int
    removed: int

    def summary(self) -> str:
        return f"{self.added} code(s) added, {self.updated} updated, {self.removed} removed."


def load_codebook(session: Session, install_default: bool = True) -> pd.DataFrame:
    """The database's codebook; on first use (no codes yet) the default one is installed.

    Examples
    --------
    >>> book = load_codebook(session)  # doctest: +SKIP
    """
    codes = session.scalars(select(Code).order_by(Code.position, Code.id)).all()
    if not codes and install_default:
        save_codebook(session, default_codebook())
        codes = session.scalars(select(Code).order_by(Code.position, Code.id)).all()
    names = {c.id: c.name for c in codes}
    rows = [{
        "guid": c.guid, "name": c.name, "parent": names.get(c.parent_id, ""),
        "description": c.description, "keywords": normalise_keywords(c.keywords),
        "color": c.color or "", "is_codable": c.is_codable,
    } for c in codes]
    return _parents_first(pd.DataFrame(rows, columns=CODEBOOK_COLUMNS))


def save_codebook(session: Session, codebook: pd.DataFrame, replace: bool = False) -> CodebookChanges:
    """Store a codebook: codes are matched by GUID, then by name, and updated or added.

    With ``replace=True`` codes missing from ``codebook`` are removed, and with them the
    assignments of those codes. All or nothing: the codebook is checked first, and so are the
    names it gives against the codes it leaves in place, so that codes may swap names (two GUIDs
    whose names were exchanged in NVivo) but never take the name of a code kept beside them.
    """
    book = check_codebook(codebook, "the codebook")
    existing = session.scalars(select(Code)).all()
    matched = _match_codes(book, existing)
    others = [c for c in existing if c.id not in {code.id for code in matched.values() if code is not None}]
    if not replace:
        _check_names_free(book, others)
    renamed = [code for row in book.itertuples(index=False)
               if (code := matched[row.guid]) is not None and code.name != row.name]
    for code in renamed:
        # Names are unique in the table at every flush: step aside first, then take the new names.
        code.name = f"(renaming) {code.guid}"
    session.flush()
    if replace and others:
        for code in matched.values():
            if code is not None:
                code.parent_id = None  # detach from codes about to go (their deletion cascades)
        session.flush()
        session.execute(delete(Code).where(Code.id.in_([c.id for c in others])))
        session.expire_all()
    kept, added, updated = {}, 0, 0
    for position, row in enumerate(book.itertuples(index=False)):
        code = matched[row.guid]
        if code is None:
            code = Code(guid=row.guid)
            session.add(code)
            added += 1
        elif code in renamed or _differs(code, row):
            updated += 1
        _update(code, row, position)
        kept[row.name] = code
    session.flush()
    for row in book.itertuples(index=False):
        kept[row.name].parent_id = kept[row.parent].id if row.parent else None
    session.flush()
    return CodebookChanges(added, updated, len(others) if replace else 0)


def _match_codes(book: pd.DataFrame, existing: list[Code]) -> dict[str, Code | None]:
    """{row GUID: the stored code it updates, or None for a new code}: by GUID first, then by
    name among the codes no GUID claimed, so that no stored code is claimed twice."""
    by_guid = {c.guid.upper(): c for c in existing}
    matched = {guid: by_guid.get(guid) for guid in book["guid"]}
    claimed = {c.id for c in matched.values() if c is not None}
    by_key = {name_key(c.name): c for c in existing if c.id not in claimed}
    for guid, name in zip(book["guid"], book["name"]):
        if matched[guid] is None:
            code = by_key.pop(name_key(name), None)
            matched[guid] = code
    return matched


def _check_names_free(book: pd.DataFrame, others: list[Code]) -> None:
    taken = {name_key(c.name): c for c in others}
    clashes = [f"{name!r} is already the name of another code (GUID {taken[name_key(name)].guid}) that the file "
               "does not have" for name in book["name"] if name_key(name) in taken]
    if clashes:
        raise InvalidCodebook(
            "The codebook cannot be imported as it stands: its names clash with codes it leaves in place. "
            "Rename them in the file, or import with --replace to remove the codes the file does not have:", clashes)


def _differs(code: Code, row) -> bool:
    return (code.name, code.description, normalise_keywords(code.keywords), code.color or "",
            code.is_codable) != (row.name, row.description, row.keywords, row.color, row.is_codable)


def _update(code: Code, row, position: int) -> None:
    code.guid = row.guid
    code.name = row.name
    code.description = row.description
    code.keywords = "\n".join(k for k in row.keywords.split("; ") if k)
    code.color = row.color or None
    code.is_codable = bool(row.is_codable)
    code.position = position


def add_code(session: Session, name: str, parent: str | None = None, description: str = "",
             keywords: str = "", color: str | None = None, is_codable: bool = True) -> pd.DataFrame:
    """Add a code to the stored codebook; returns the codebook as it now is."""
    book = load_codebook(session)
    if parent:
        parent = find_code(book, parent)
    row = {"guid": None, "name": name, "parent": parent or "", "description": description,
           "keywords": keywords, "color": color or "", "is_codable": is_codable}
    save_codebook(session, pd.concat([book, pd.DataFrame([row])], ignore_index=True))
    return load_codebook(session)


def edit_code(session: Session, code: str, **changes) -> pd.DataFrame:
    """Change the stored code named ``code`` (``name`` to rename, ``parent``, ``description``,
    ``keywords``, ``color``, ``is_codable``); a value of None leaves that field as it is."""
    book = load_codebook(session)
    found = find_code(book, code)
    unknown = set(changes) - set(CODEBOOK_COLUMNS) - {"guid"}
    if unknown:
        raise InvalidCodebook(f"Cannot change {', '.join(sorted(unknown))} of a code: "
                              f"a code has {', '.join(CODEBOOK_COLUMNS[1:])}.")
    index = book.index[book["name"] == found][0]
    if changes.get("parent"):
        changes["parent"] = find_code(book, changes["parent"])
    for field, value in changes.items():
        if value is not None:
            book.at[index, field] = value
    if changes.get("name"):
        book.loc[book["parent"] == found, "parent"] = changes["name"]
    save_codebook(session, book)
    return load_codebook(session)


def remove_code(session: Session, name: str) -> int:
    """Remove a code, its sub-codes and every assignment of them; returns how many codes went."""
    book = load_codebook(session)
    found = find_code(book, name)
    gone = [found, *descendants(book, found)]
    save_codebook(session, book[~book["name"].isin(gone)], replace=True)
    return len(gone)
