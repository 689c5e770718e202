"""`lpip deprivation`: IoD2025 (default) and IoD2019 summaries for local authorities and custom areas."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lpip.cli.common import DatabaseOption, EditionChoice, console, database_session, err_console, new_app

app = new_app("Deprivation summaries (IoD2025, or IoD2019) for districts and custom areas.")

SCALE_CAVEAT = (
    "Measures and ranks follow File 10 (the Technical Reports' summary measures for higher-level "
    "geographies): IoD2025 on the 33,755 LSOAs of 2021 and 296 districts of 2024 (default), or IoD2019 on "
    "the 32,844 LSOAs of 2011 and 317 districts of 2019; the two are not directly comparable. Ranks are "
    "among the districts, 1 = most deprived, ties sharing the better rank; a custom area gets the rank it "
    "would have among them (or, with --ranking among-areas, its rank among the set's areas, MHCLG's File 12 "
    "method, where an LSOA in two areas counts in both). Income and employment scale sum the published "
    "numerators (IoD2019's are rounded to multiples of 5, so they can differ from File 10's unrounded sums by "
    "up to 2.5 per LSOA); an input file without numerators gives APPROXIMATIONS (3-decimal rates x "
    "population, unlike File 10's unrounded counts). The CSV's metadata (FILE.csv-metadata.json) records "
    "the method and any warnings."
)


class RankingChoice(str, Enum):
    among_lads = "among-lads"
    among_areas = "among-areas"


@app.command(epilog=SCALE_CAVEAT)
def summarise(
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="CSV to write (one row per area and domain); metadata goes to FILE.csv-metadata.json.",
    )],
    input: Annotated[Path | None, typer.Option(
        "--input", "-i", metavar="LSOA_CSV",
        help="LSOA CSV with File 7 column names of its edition (File 7 adds the IDACI and IDAOPI scores). "
        "Default: the bundled data of the edition.",
        show_default=False,
    )] = None,
    edition: Annotated[EditionChoice | None, typer.Option(
        "--edition", "-e", help="2025 (IoD2025, LSOA 2021, districts 2024; the default) or 2019 "
        "(IoD2019, LSOA 2011, districts 2019). With --input: the file's own edition unless given.",
        show_default=False,
    )] = None,
    ranking: Annotated[RankingChoice, typer.Option(
        "--ranking", help="among-lads: each area's rank among the districts (default); among-areas: the set's "
        "areas ranked among themselves, as MHCLG's File 12 (LEP summaries) does.",
    )] = RankingChoice.among_lads,
    areas: Annotated[str, typer.Option(
        "--areas", "-a", metavar="lad|SETNAME",
        help="lad, a custom area set (wm-subregions, lep, or your own) "
        "or a level (region, cauth, county, itl3 ...).",
    )] = "lad",
    database: DatabaseOption = None,
) -> None:
    """Summarise deprivation (IoD2025 by default, or IoD2019) for local authorities or custom areas into a CSV."""
    from lpip.evidence.deprivation_files import write_deprivation_summary

    options = dict(input=input, edition=edition.value if edition else None,
                   ranking=ranking.value.replace("-", "_"))
    if areas == "lad":
        result = write_deprivation_summary(out, **options)
    else:
        with database_session(database) as session:
            result = write_deprivation_summary(out, areas=areas, session=session, **options)
    for warning in result.warnings:
        err_console.print(f"Warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"Wrote {result.rows:,} rows ({result.areas:,} areas x 10 domains) to {result.csv}; "
        f"method notes in {result.metadata}.", markup=False, highlight=False, soft_wrap=True,
    )
