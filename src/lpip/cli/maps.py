"""`lpip maps draw` and `lpip maps hotspots`: choropleth and hotspot maps to PNG, SVG or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lpip.cli.common import DatabaseOption, console, database_session, new_app

app = new_app("Choropleth and hotspot maps, static (PNG/SVG) and interactive (offline Leaflet).")

IndicatorOption = Annotated[str, typer.Option("--indicator", "-i", metavar="ID", help="Indicator id, e.g. imd_score.")]
WithinOption = Annotated[
    str, typer.Option("--within", "-w", metavar="CODE", help="Area whose districts or LSOAs are mapped.")
]
PeriodOption = Annotated[str | None, typer.Option("--period", help="Period; default the latest.")]
OutOption = Annotated[
    Path, typer.Option("--out", "-o", metavar="FILE", help="Output file: .png or .svg (static) or .html (interactive).")
]


def say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
def draw(
    indicator: IndicatorOption,
    out: OutOption,
    level: Annotated[str, typer.Option("--level", "-l", help="Area level: lad or lsoa.")] = "lad",
    within: WithinOption = "E12000005",
    period: PeriodOption = None,
    scheme: Annotated[
        str, typer.Option("--scheme", help="Classes by quantiles, fisher_jenks or equal_interval.")
    ] = "quantiles",
    classes: Annotated[int, typer.Option("--classes", "-k", help="Number of classes (2 to 9).")] = 5,
    tiles: Annotated[
        str | None,
        typer.Option("--tiles", metavar="URL", help="Tile URL for a basemap in HTML maps (needs a connection)."),
    ] = None,
    skip_unmapped: Annotated[
        bool, typer.Option("--skip-unmapped", help="Leave out areas without a bundled boundary instead of stopping.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Draw a choropleth map of an indicator."""
    from lpip.maps.choropleth import draw_map

    with database_session(database) as session:
        alt = draw_map(session, indicator, out, level=level, within=within, period=period, scheme=scheme,
                       k=classes, tile_url=tiles, skip_unmapped=skip_unmapped)
    say(f"Wrote {out}")
    say(alt)


@app.command()
def hotspots(
    indicator: IndicatorOption,
    out: OutOption,
    within: WithinOption = "E12000005",
    period: PeriodOption = None,
    permutations: Annotated[int, typer.Option("--permutations", help="Permutations for pseudo p-values.")] = 999,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the permutations.")] = 12345,
    alpha: Annotated[float, typer.Option("--alpha", help="False discovery rate for local clusters.")] = 0.05,
    database: DatabaseOption = None,
) -> None:
    """Draw a map of the hotspots (local Moran clusters) of an LSOA indicator."""
    from lpip.maps.hotspots import map_hotspots

    with database_session(database) as session:
        alt = map_hotspots(session, indicator, out, within=within, period=period,
                           permutations=permutations, seed=seed, alpha=alpha)
    say(f"Wrote {out}")
    say(alt)
