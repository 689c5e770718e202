"""`lpip areas`: list and show areas, define custom area sets, export boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lpip.cli.common import DatabaseOption, FormatOption, OutputFormat, console, database_session, new_app, print_frame, print_json, print_rows

app = new_app("Areas: local authorities, LSOAs, regions and custom sets.")

LevelOption = Annotated[
    str | None,
    typer.Option("--level", "-l", help="lad, lsoa, msoa, county, cauth, region, country, itl1, itl2, itl3, subregion, lep or custom."),
]


@app.command("list")
def list_areas(
    level: LevelOption = None,
    within: Annotated[str | None, typer.Option("--within", "-w", help="Only areas inside this area code.")] = None,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """List areas, optionally of one level and inside one area."""
    # The rows of lpip.geography.areas.list_areas, printed without pandas: a quick command.
    from lpip.geography.areas import AREA_COLUMNS, area_rows

    with database_session(database) as session:
        rows = area_rows(session, level=level, within=within)
    print_rows(list(AREA_COLUMNS), rows, fmt, title=f"{len(rows)} areas")


@app.command()
def show(
    code: Annotated[str, typer.Argument(help="Area code, e.g. E08000029 or WM-BC.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Show an area: name, level, parents, children, population and custom sets."""
    from lpip.evidence.population import show_area

    with database_session(database) as session:
        info = show_area(session, code)
    if json_output:
        print_json(info)
        return
    _print_area(info)


def _print_area(info: dict) -> None:
    from rich.text import Text

    console.print(Text.assemble((info["name"], "bold"), f" ({info['code']}), level {info['level']}"))
    if info["itl_code"]:
        console.print(f"ITL code: {info['itl_code']}")
    population = info["population"]
    if population:
        how = "sum of areas inside" if population["summed"] else "own value"
        console.print(f"Population: {population['value']:,.0f} ({population['period']}, {population['indicator']}, {how})")
    for key, label in (("parents", "Parents"), ("member_of", "Member of custom sets"), ("children", "Children")):
        items = info[key]
        shown = ", ".join(f"{i['code']} {i['name']}" for i in items[:12])
        more = f" ... and {len(items) - 12} more" if len(items) > 12 else ""
        console.print(f"{label} ({len(items)}): {shown or '-'}{more}")


@app.command()
def sets(fmt: FormatOption = OutputFormat.table, database: DatabaseOption = None) -> None:
    """List the custom area sets and the areas in each."""
    from lpip.geography.areas import area_sets

    with database_session(database) as session:
        frame = area_sets(session)
    print_frame(frame, fmt, title="Custom area sets")


@app.command("define-set")
def define_set(
    name: Annotated[str, typer.Argument(help="Name of the new set, e.g. my-corridors.")],
    file: Annotated[Path, typer.Argument(help="CSV with columns code,name,member (one row per member).")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace a set of the same name.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Define a custom area set from a CSV of member codes."""
    from lpip.geography.sets import define_set as define_set_

    with database_session(database) as session:
        result = define_set_(session, name, file, replace=replace)
    console.print(f"Defined set {name}: {result.areas} areas with {result.members} memberships.")


@app.command()
def boundaries(
    level: Annotated[str, typer.Option("--level", "-l", help="lad, lsoa or england-lad.")] = "lad",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write GeoJSON or GeoPackage (.gpkg) here.")] = None,
) -> None:
    """Export the bundled boundaries (West Midlands LADs or LSOAs, or all England LADs)."""
    from lpip.geography.boundaries import read_boundaries, write_boundaries

    frame = read_boundaries(level)
    if out is None:
        console.print(f"{len(frame)} {level} boundaries, CRS {frame.crs}. Use --out FILE to save them.")
        return
    write_boundaries(frame, out)
    console.print(f"Wrote {len(frame)} boundaries to {out}")
