"""`lpip atlas`: the evidence atlas site, area profiles and sub-regional data packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lpip.cli.common import DatabaseOption, EditionChoice, EditionOption, console, database_session, new_app

app = new_app("The evidence atlas: area profiles, sub-regional data packs, a static site.")

RegionOption = Annotated[str, typer.Option("--region", "-r", help="Region (or E92000001, England) whose districts, regions and sub-regions the atlas covers.")]
SimilarOption = Annotated[list[str] | None, typer.Option(
    "--similar-indicators", metavar="IDS",
    help="Variables of the profiles' similar areas: district indicator ids, comma-separated or repeated; default a CIPFA-like set.")]


def split_ids(items: list[str] | None) -> list[str] | None:
    return [part.strip() for item in items or [] for part in item.split(",") if part.strip()] or None



@app.command()
def build(
    region: RegionOption = "E12000005",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the site to (created if missing).")] = Path("atlas"),
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that exists and is not an atlas.")] = False,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write every profile and data pack as an A4 PDF.")] = True,
    indicator: Annotated[list[str] | None, typer.Option(
        "--indicator", "-i", help="Only these indicators (repeat the option); default every bundled one.")] = None,
    area: Annotated[list[str] | None, typer.Option(
        "--area", "-a", help="Only profile these districts or sub-regions (repeat the option); default all.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, max=16,
                                                help="Processes to build pages in; default one per CPU.")] = None,
    similar_indicators: SimilarOption = None,
    database: DatabaseOption = None,
) -> None:
    """Build the evidence atlas: maps, indicator pages, profiles, data packs and downloads."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lpip.reports.atlas import build_atlas

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[step]}"))
    with database_session(database) as session, Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("Building the atlas", total=None, step="")

        def advance(label: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, step=label)

        result = build_atlas(session, region=region, out=out, force=force, progress=advance, pdf=pdf,
                             indicators=indicator or None, areas=area or None, workers=workers,
                             similar_indicators=split_ids(similar_indicators))
    for note in result.notes:
        console.print(f"Note: {note}", highlight=False, soft_wrap=True, markup=False)
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.stages.items())
    processes = f"{result.workers} processes" if result.workers > 1 else "1 process"
    console.print(
        f"Atlas of {result.region} written to {result.folder}: {result.pages} pages, {result.pdfs} PDFs, "
        f"{result.indicators} indicators, {result.areas} areas, {result.files} files in {result.seconds:.1f} s "
        f"with {processes} (work per stage: {stages}). View it with: lpip atlas serve --dir {result.folder}",
        highlight=False, soft_wrap=True, markup=False,
    )


@app.command()
def serve(
    dir: Annotated[Path, typer.Option("--dir", "-d", help="The atlas folder (from `lpip atlas build`).")] = Path("atlas"),
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="Port on 127.0.0.1.")] = 8001,
) -> None:
    """Serve a built atlas on http://127.0.0.1:PORT (Ctrl+C stops it)."""
    from lpip.reports.site import serve_atlas

    server = serve_atlas(dir, port)
    console.print(f"Serving the atlas in {dir} at http://127.0.0.1:{server.server_port}/ (Ctrl+C to stop)",
                  highlight=False, soft_wrap=True, markup=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def profile(
    area: Annotated[str, typer.Argument(help="Area code: a district (E08000029), sub-region (WM-BSOL) or custom area.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: .html (one self-contained file) or .pdf (A4).")],
    region: RegionOption = "E12000005",
    edition: EditionOption = EditionChoice.iod2025,
    similar_indicators: SimilarOption = None,
    database: DatabaseOption = None,
) -> None:
    """Write one area's profile as HTML or PDF."""
    from lpip.reports.profile import write_profile

    with database_session(database) as session:
        path = write_profile(session, area, out, region=region, edition=edition.value,
                             similar_indicators=split_ids(similar_indicators))
    console.print(f"Wrote the profile of {area} to {path}", highlight=False, soft_wrap=True, markup=False)


@app.command()
def datapack(
    subregion: Annotated[str, typer.Argument(help="Sub-region code, e.g. WM-BSOL (see `lpip areas sets`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: .html (one self-contained file) or .pdf (A4).")],
    region: RegionOption = "E12000005",
    edition: EditionOption = EditionChoice.iod2025,
    database: DatabaseOption = None,
) -> None:
    """Write a sub-region's data pack as HTML or PDF."""
    from lpip.reports.datapack import write_datapack

    with database_session(database) as session:
        path = write_datapack(session, subregion, out, region=region, edition=edition.value)
    console.print(f"Wrote the data pack of {subregion} to {path}", highlight=False, soft_wrap=True, markup=False)
