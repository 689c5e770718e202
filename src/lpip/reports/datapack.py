"""The sub-regional data pack on the page: its figures (the profile's, and the hotspot map),
its tables and the stand-alone HTML or PDF document. The pack itself (differences from
England, hotspots, the questions the data raises) is :func:`lpip.evidence.datapack.build_datapack`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from lpip.errors import LpipError
from lpip.evidence.benchmarks import DEFAULT_REGION
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.datapack import HOTSPOT_INDICATOR, TOP_DIFFERENCES, DataPack, build_datapack, judged
from lpip.reports.profile import document_kind, profile_figures, write_document
from lpip.reports.render import Figure, figure_sources, format_number, render_page, spine_sources


# --- documents ---------------------------------------------------------------------------


def datapack_figures(session: Session, pack: DataPack, maps: bool = True) -> dict[str, Figure | None]:
    figures = profile_figures(session, pack.profile, maps=maps)
    figures["hotspots"] = hotspot_figure(session, pack) if maps else None
    return figures


def hotspot_figure(session: Session, pack: DataPack) -> Figure | None:
    result = pack.hotspot_result
    if result is None:
        return None
    import tempfile

    from lpip.maps import draw_hotspots
    from lpip.maps.choropleth import lsoa_boundaries
    from lpip.maps.static import PRINT_SIZE

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "hotspots.png"
        try:
            alt = draw_hotspots(result, lsoa_boundaries(), get_indicator(session, HOTSPOT_INDICATOR), out,
                                period=result.period, size=PRINT_SIZE)
        except LpipError as exc:
            pack.notes.append(f"Hotspot map: {exc.message}")
            return None
        return Figure(f"{pack.code}-hotspots", out.read_bytes(), alt, suffix=".png")


def difference_rows(frame: pd.DataFrame, names: bool = False) -> list[dict]:
    rows = []
    for row in frame.itertuples(index=False):
        rows.append(dict(
            area=getattr(row, "area_name", "") if names else "", title=row.title,
            period=getattr(row, "period_label", row.period),
            value=format_number(row.value, row.unit) + (" (estimate)" if bool(getattr(row, "is_estimate", False)) else ""),
            centre=format_number(row.centre, row.unit), against=row.against, score=f"{row.score:+.1f}",
            rule=getattr(row, "comparison_rule", "") or "",
        ))
    return rows


def count_rows(profile) -> list[dict]:
    """The indicators that are counts (not on the spine chart), with the area's value."""
    rows = profile.indicators[~profile.indicators["on_chart"].astype(bool)]
    return [dict(title=r.title, value=format_number(r.value, r.unit), period=r.period) for r in rows.itertuples(index=False)]


def datapack_page(pack: DataPack, sources: dict[str, dict], standalone: bool = True, root: str = "",
                  links: dict | None = None) -> str:
    from lpip.reports.profile import deprivation_rows, indicator_rows, trend_rows

    district_worse = judged(pack.district_differences, "worse").nsmallest(TOP_DIFFERENCES, "score")
    district_better = judged(pack.district_differences, "better").nlargest(TOP_DIFFERENCES, "score")
    return render_page(
        "datapack.html", pack=pack, profile=pack.profile, figures=sources, spines=spine_sources(sources),
        counts=count_rows(pack.profile),
        indicators=indicator_rows(pack.profile), deprivation=deprivation_rows(pack.profile),
        deciles=pack.profile.deciles.to_dict(), trends=trend_rows(pack.profile),
        better=difference_rows(pack.better), worse=difference_rows(pack.worse),
        district_better=difference_rows(district_better, names=True),
        district_worse=difference_rows(district_worse, names=True),
        hotspots=pack.hotspots.to_dict("records"), members=pack.profile.members.to_dict("records"),
        national=[] if pack.national_hotspots is None else pack.national_hotspots.to_dict("records"),
        standalone=standalone, root=root, links=links or {}, title=f"{pack.name}: sub-regional data pack",
    )


def write_datapack(session: Session, code: str, out: Path, region: str = DEFAULT_REGION,
                   edition: str = "2025") -> Path:
    """Write a sub-region's data pack to ``out``: a stand-alone .html file or an A4 .pdf.

    Examples
    --------
    >>> write_datapack(session, "WM-BSOL", Path("bsol-pack.pdf"))  # doctest: +SKIP
    """
    out = Path(out)
    kind = document_kind(out)
    pack = build_datapack(session, code, region, edition=edition)
    html = datapack_page(pack, figure_sources(datapack_figures(session, pack), None))
    return write_document(html, out, kind)
