"""`lpip coding`: the codebook, rule and hand coding, coverage, inter-coder agreement, themes.

Contributions come from the database (``--workshop ID``, or every workshop) or from a pol.is
open-data export (``--polis-dir DIR``), whose comments are coded the same way.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

from typing import TYPE_CHECKING

import typer

from lpip.cli.common import (
    DatabaseOption, FormatOption, OutputFormat, console, database_session, new_app, print_frame, rich_table,
)
from lpip.errors import InvalidCodingSheet

if TYPE_CHECKING:
    import pandas as pd

app = new_app("Qualitative coding: codebooks, rule and hand coding, agreement, themes.")
codebook_app = new_app("The codebook: show, edit, import and export (REFI-QDA .qdc or CSV).")
hand_app = new_app("Hand coding through a spreadsheet: export a sheet, fill it in, import it.")
app.add_typer(codebook_app, name="codebook", help="The codebook: show, edit, import and export (REFI-QDA .qdc or CSV).")
app.add_typer(hand_app, name="hand", help="Hand coding through a spreadsheet: export a sheet, fill it in, import it.")

WorkshopOption = Annotated[int | None, typer.Option(
    "--workshop", metavar="ID", help="Only this workshop's contributions (default: every workshop).")]
PolisOption = Annotated[Path | None, typer.Option(
    "--polis-dir", metavar="DIR", help="Use the comments of a pol.is open-data export instead of workshops.")]
TEXT_WIDTH = 100


class CoverageBy(str, Enum):
    code = "code"
    sector = "sector"
    table = "table"
    subregion = "subregion"


class Backend(str, Enum):
    nmf = "nmf"
    embeddings = "embeddings"


def _short(text) -> str:
    import pandas as pd

    text = "" if pd.isna(text) else " ".join(str(text).split())
    return text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 1] + "…"


def _table(frame: pd.DataFrame, title: str):
    """A Rich table of free text ("[b]" in a note is shown as written: the console reads no markup)."""
    return rich_table(frame, title)


def _contributions(session, workshop: int | None, polis_dir: Path | None) -> pd.DataFrame:
    from lpip.deliberation.coding import load_contributions, polis_contributions
    from lpip.deliberation.polis import read_polis_export

    if polis_dir is not None:
        return polis_contributions(read_polis_export(polis_dir))
    if workshop is not None:
        from lpip.workshops.workshops import get_workshop

        get_workshop(session, workshop)
    return load_contributions(session, workshop)


# ----------------------------------------------------------------------------- codebook


@codebook_app.command("show")
def codebook_show(database: DatabaseOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Show the codebook (the default one is installed on first use)."""
    from lpip.deliberation.codebook import code_paths, load_codebook

    with database_session(database) as session:
        book = load_codebook(session)
    shown = book.assign(code=code_paths(book))[["code", "is_codable", "keywords", "description"]]
    if fmt is OutputFormat.table:
        console.print(_table(shown.assign(keywords=shown["keywords"].map(_short)), "Codebook"))
    else:
        print_frame(shown, fmt)


@codebook_app.command("export")
def codebook_export(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write: .qdc (REFI-QDA) or .csv.")],
    database: DatabaseOption = None,
) -> None:
    """Write the codebook to a REFI-QDA .qdc or a CSV file."""
    from lpip.deliberation.codebook import load_codebook, write_codebook

    with database_session(database) as session:
        book = load_codebook(session)
    write_codebook(book, file)
    console.print(f"Wrote {len(book)} codes to {str(file)}.")


@codebook_app.command("import")
def codebook_import(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A .qdc (REFI-QDA), .csv or .xlsx codebook.")],
    replace: Annotated[bool, typer.Option(
        "--replace", help="Remove codes (and their assignments) that the file does not have.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Import a codebook: codes are matched by GUID, then name, and updated or added."""
    from lpip.deliberation.codebook import read_codebook, save_codebook

    book = read_codebook(file)
    with database_session(database) as session:
        changes = save_codebook(session, book, replace=replace)
    console.print(f"Imported {str(file)}: {changes.summary()}")


@codebook_app.command("add")
def codebook_add(
    name: Annotated[str, typer.Argument(help="The new code's name.")],
    parent: Annotated[str | None, typer.Option("--parent", help="The code it belongs under.")] = None,
    description: Annotated[str, typer.Option("--description", help="What it means, when to apply it.")] = "",
    keywords: Annotated[str, typer.Option("--keywords", help="Keywords and phrases for rule coding, separated by ';'.")] = "",
    color: Annotated[str | None, typer.Option("--color", metavar="#RRGGBB", help="Colour.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Add a code to the codebook."""
    from lpip.deliberation.codebook import add_code

    with database_session(database) as session:
        book = add_code(session, name, parent, description, keywords, color)
    console.print(f"Added {name!r}; the codebook has {len(book)} codes.")


@codebook_app.command("edit")
def codebook_edit(
    name: Annotated[str, typer.Argument(help="The code to change.")],
    new_name: Annotated[str | None, typer.Option("--name", help="Rename it.")] = None,
    parent: Annotated[str | None, typer.Option("--parent", help="Move it under this code ('' for the top).")] = None,
    description: Annotated[str | None, typer.Option("--description", help="New description.")] = None,
    keywords: Annotated[str | None, typer.Option("--keywords", help="New keywords, separated by ';'.")] = None,
    color: Annotated[str | None, typer.Option("--color", metavar="#RRGGBB", help="New colour.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Change a code: rename, move, describe, set keywords or colour."""
    from lpip.deliberation.codebook import edit_code

    with database_session(database) as session:
        edit_code(session, name, name=new_name, parent=parent, description=description, keywords=keywords, color=color)
    console.print(f"Changed {name!r}.")


@codebook_app.command("remove")
def codebook_remove(
    name: Annotated[str, typer.Argument(help="The code to remove, with its sub-codes and assignments.")],
    database: DatabaseOption = None,
) -> None:
    """Remove a code, its sub-codes and every assignment of them."""
    from lpip.deliberation.codebook import remove_code

    with database_session(database) as session:
        count = remove_code(session, name)
    console.print(f"Removed {count} code(s).")


# ----------------------------------------------------------------------------- coding


@app.command("code")
def code(
    rules: Annotated[bool, typer.Option("--rules", help="Code by the codebook's keywords and phrases.")] = False,
    workshop: WorkshopOption = None,
    polis_dir: PolisOption = None,
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE.csv", help="Also write the assignments here.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Code contributions by rules; workshop codes are stored, pol.is codes written with --out."""
    from lpip.deliberation.coding import code_by_rules, store_assignments
    from lpip.deliberation.codebook import load_codebook

    if not rules:
        raise InvalidCodingSheet("Say how to code: --rules codes by keywords. To code by hand, "
                                 "use `lpip coding hand export` and `lpip coding hand import`.")
    with database_session(database) as session:
        contributions = _contributions(session, workshop, polis_dir)
        coded = code_by_rules(contributions, load_codebook(session))
        if polis_dir is None:
            stored = store_assignments(session, coded.drop(columns="matched"))
            console.print(stored.summary())
    if out is not None:
        from lpip.spreadsheets import write_csv

        write_csv(coded, out)
        console.print(f"Wrote {str(out)}.")
    found = coded.dropna(subset=["code"])
    console.print(f"{found['contribution_id'].nunique()} of {len(contributions)} contributions matched a keyword "
                  f"({len(found)} code assignments).")


@hand_app.command("export")
def hand_export(
    file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="Where to write the coding sheet.")],
    coder: Annotated[str, typer.Option("--coder", help="Fill the coder column with this name.")] = "",
    workshop: WorkshopOption = None,
    polis_dir: PolisOption = None,
    database: DatabaseOption = None,
) -> None:
    """Write a coding sheet: one row per contribution, an empty column per code to tick."""
    from lpip.deliberation.codebook import load_codebook
    from lpip.deliberation.coding import coding_sheet, write_coding_sheet

    with database_session(database) as session:
        sheet = coding_sheet(_contributions(session, workshop, polis_dir), load_codebook(session), coder)
    write_coding_sheet(sheet, file)
    console.print(f"Wrote {str(file)}: {len(sheet)} contributions to code. Tick a code's cell "
                  "(x) to apply it, or '(no code applies)'; rows left empty count as not coded yet.")


@hand_app.command("import")
def hand_import(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A filled-in coding sheet (.csv or .xlsx).")],
    coder: Annotated[str | None, typer.Option("--coder", help="The coder, for rows whose coder cell is empty.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Import a filled-in coding sheet (all or nothing)."""
    from lpip.deliberation.coding import import_coding_sheet

    with database_session(database) as session:
        stored = import_coding_sheet(session, file, coder)
    console.print(stored.summary())


@app.command("coverage")
def coverage(
    by: Annotated[CoverageBy, typer.Option("--by", help="Count per code, or per code and sector, table or sub-region.")] = CoverageBy.code,
    workshop: WorkshopOption = None,
    polis_dir: PolisOption = None,
    coder: Annotated[str | None, typer.Option("--coder", help="Only this coder's codes ('rules' for rule coding).")] = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """How many contributions carry each code (pol.is comments are coded by rules first)."""
    from lpip.deliberation.codebook import load_codebook
    from lpip.deliberation.coding import code_by_rules, coverage as count_coverage, load_assignments

    with database_session(database) as session:
        book = load_codebook(session)
        contributions = _contributions(session, workshop, polis_dir)
        if polis_dir is not None:
            assignments = code_by_rules(contributions, book)
        else:
            assignments = load_assignments(session, workshop, coder)
    table = count_coverage(assignments, contributions, by.value, book)
    if fmt is OutputFormat.table and "share" in table:
        table = table.assign(share=(table["share"] * 100).round(1).astype(str) + "%")
    title = f"Contributions per code{'' if by is CoverageBy.code else ' and ' + by.value}"
    if fmt is OutputFormat.table:
        console.print(_table(table, title))
    else:
        print_frame(table, fmt)


@app.command("agreement")
def agreement(
    files: Annotated[list[Path] | None, typer.Argument(
        metavar="[FILE]...", help="Coded files: filled-in coding sheets, or CSVs of contribution_id,coder,code. "
        "Without files, the hand coding stored in the database.")] = None,
    workshop: WorkshopOption = None,
    coders: Annotated[str | None, typer.Option("--coders", metavar="A,B", help="Compare only these coders.")] = None,
    include_rules: Annotated[bool, typer.Option("--include-rules", help="Count rule coding as a coder ('rules').")] = False,
    show: Annotated[int, typer.Option("--show", metavar="N", help="Disagreements to print.")] = 20,
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE.csv", help="Write every disagreement here.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Inter-coder agreement: Cohen's kappa (two coders), Krippendorff's alpha, disagreements."""
    from lpip.deliberation.agreement import compare_coders, read_coded_files
    from lpip.deliberation.codebook import load_codebook
    from lpip.deliberation.coding import load_assignments, load_contributions

    with database_session(database) as session:
        if files:
            assignments, texts = read_coded_files(files, load_codebook(session))
        else:
            assignments = load_assignments(session, workshop, method=None if include_rules else "hand")
            texts = load_contributions(session, workshop)
    chosen = [c.strip() for c in coders.split(",")] if coders else None
    result = compare_coders(assignments, texts, chosen)
    _print_agreement(result, show)
    if out is not None:
        from lpip.spreadsheets import write_csv

        write_csv(result.disagreements, out)
        console.print(f"Wrote {len(result.disagreements)} disagreements to {str(out)}.")


def _print_agreement(result, show: int) -> None:
    console.print(f"Coders: {', '.join(result.coders)}")
    if result.kappa is not None:
        kappa = result.kappa[["code", "units", "both", "first_only", "second_only", "neither", "kappa"]]
        kappa = kappa.rename(columns={"first_only": f"{result.coders[0]} only", "second_only": f"{result.coders[1]} only"})
        console.print(_table(kappa.round(3), "Cohen's kappa per code"))
    console.print(_table(result.alpha.round(3), "Krippendorff's alpha (nominal) per code"))
    shown = result.disagreements.head(show)
    if "text" in shown:
        shown = shown.assign(text=shown["text"].map(_short))
    console.print(_table(shown, f"Disagreements ({len(result.disagreements)}; first {len(shown)})"))


# ----------------------------------------------------------------------------- themes


@app.command("themes")
def themes(
    workshop: WorkshopOption = None,
    polis_dir: PolisOption = None,
    topics: Annotated[int | None, typer.Option("--topics", metavar="N", help="Number of topics (default: chosen by coherence).")] = None,
    backend: Annotated[Backend, typer.Option("--backend", help="nmf (TF-IDF + NMF) or embeddings (needs lpip[embeddings]).")] = Backend.nmf,
    quotes: Annotated[int, typer.Option("--quotes", metavar="N", help="Quotes per topic.")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same result).")] = 0,
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE.csv", help="Write each contribution's topic here.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Find emergent themes: top terms, representative quotes, spread across sectors and tables."""
    from lpip.deliberation.themes import find_themes, workshop_themes

    if polis_dir is not None:
        contributions = _contributions(None, None, polis_dir)
        result = find_themes(contributions, topics, backend=backend.value, n_quotes=quotes, seed=seed)
    else:
        # The same call as the workshop report's, so both find the same themes in the same notes.
        with database_session(database) as session:
            result = workshop_themes(session, None if workshop is None else [workshop], topics,
                                     backend=backend.value, n_quotes=quotes, seed=seed)
    _print_themes(result)
    if out is not None:
        from lpip.spreadsheets import write_csv

        write_csv(result.assignments, out)
        console.print(f"Wrote {str(out)}.")


def _print_themes(result) -> None:
    console.print(f"{result.choice} ({result.backend})", markup=False, highlight=False)
    if len(result.coherence) > 1:
        console.print(_table(result.coherence.round(3), "Coherence by number of topics"))
    topics = result.topics.assign(share=(result.topics["share"] * 100).round(1).astype(str) + "%")
    console.print(_table(topics.round(3), "Topics"))
    console.print(_table(result.quotes.assign(text=result.quotes["text"].map(_short)).round(3),
                             "Representative quotes"))
    if not result.spread.empty:
        spread = result.spread.assign(share_of_topic=(result.spread["share_of_topic"] * 100).round(1))
        console.print(_table(spread.round(3), "Spread across sectors, tables and sub-regions (share_of_topic in %)"))
