"""`lpip deprivation`: IoD2019 summaries for local authorities and custom areas."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lpip.cli.common import DatabaseOption, console, database_session, err_console, new_app

app = new_app("Deprivation summaries (IoD2019) for districts and custom areas.")

SCALE_CAVEAT = (
    "Measures and ranks follow IoD2019 File 10 (Technical Report, Appendix N); ranks are among "
    "the 317 English LADs, 1 = most deprived, ties sharing the better rank; a custom area gets "
    "the rank it would have among them. Income and employment scale are APPROXIMATIONS: File "
    "10 sums unrounded counts, lpip sums the published 3-decimal rates x population. The CSV's "
    "metadata (FILE.csv-metadata.json) records the method and any warnings."
)


@app.command(epilog=SCALE_CAVEAT)
def summarise(
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="CSV to write (one row per area and domain); metadata goes to FILE.csv-metadata.json.",
    )],
    input: Annotated[Path | None, typer.Option(
        "--input", "-i", metavar="LSOA_CSV",
        help="LSOA CSV with IoD2019 File 7 column names (File 7 adds IDACI and IDAOPI). "
        "Default: the bundled IoD2019 data.",
        show_default=False,
    )] = None,
    areas: Annotated[str, typer.Option(
        "--areas", "-a", metavar="lad|SETNAME",
        help="lad, a custom area set (wm-subregions, lep, or your own) "
        "or a level (region, cauth, county, itl3 ...).",
    )] = "lad",
    database: DatabaseOption = None,
) -> None:
    """Summarise IoD2019 deprivation for local authorities or custom areas into a CSV."""
    from lpip.evidence.deprivation_files import write_deprivation_summary

    if areas == "lad":
        result = write_deprivation_summary(out, input=input)
    else:
        with database_session(database) as session:
            result = write_deprivation_summary(out, input=input, areas=areas, session=session)
    for warning in result.warnings:
        err_console.print(f"Warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"Wrote {result.rows:,} rows ({result.areas:,} areas x 10 domains) to {result.csv}; "
        f"method notes in {result.metadata}.", markup=False, highlight=False, soft_wrap=True,
    )
