"""The evidence atlas: a static site of maps, indicator pages, area profiles and data packs.

``build_atlas`` writes, into one folder::

    index.html            the home map (every district indicator, a chooser, district names,
                          the sub-regions outlined), a search box, every area and pack
    maps/home.data.js     the home map's data (:mod:`lpip.reports.homemap`); districts.geojson
    indicators.html       the list of indicators, by theme
    indicators/ID.html    one page per indicator: map (ID.geojson, ID.data.js), ranked table, chart
    areas/CODE.html|.pdf  one profile per district, region (England's atlas) and sub-region
    datapacks/CODE.html|.pdf  one data pack per sub-region
    downloads.html        every file to download; downloads/ holds CSV, XLSX (and the maps' GeoJSON)
    search.json, search.js  the search index read by assets/atlas.js
    atlas.json            the marker that says "this folder is an lpip atlas"

Everything the pages load is in the folder (Leaflet, our CSS and scripts): the site works
offline, from any static web server (``lpip atlas serve``) and opened from the folder
(file://: map data and the search index are scripts, which browsers run there, not JSON to
fetch, which they refuse). The folder rules and serving are in :mod:`lpip.reports.site`, the
indicator pages in :mod:`lpip.reports.indicators`. Pages are made in worker processes
(:mod:`lpip.reports.atlas_pages`), each page on its own from the same inputs, so the site is
the same whatever the number of processes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip import __version__
from lpip.errors import InvalidExport, NoBoundaries, UnknownAreaCode
from lpip.evidence.benchmarks import DEFAULT_REGION, district_indicators
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.models import Indicator
from lpip.evidence.profile import ProfileContext, gather_context, imd_indicator_id
from lpip.geography.areas import get_area, list_areas
from lpip.geography.models import Area, AreaLink
from lpip.reports.atlas_pages import (
    Job,
    JobSettings,
    Progress,
    Tracker,
    run_jobs,
    start_pool,
    worker_count,
)
from lpip.reports.render import long_date, render_page
from lpip.reports.site import (
    MARKER,
    MARKER_KIND,
    copy_assets,
    is_atlas,
    prepare_folder,
    serve_atlas,
)
from lpip.spreadsheets import write_csv

# LSOA indicators of these kinds get no page of their own: ranks and deciles restate a
# score's order, and counts of people say how big a neighbourhood is, not how it fares.
LSOA_NOT_MAPPED = ("rank", "decile", "count")
INDEX_INDICATOR = "gdhi_per_head"  # shown first on the home map when the catalogue has it
LEVEL_NAMES = {"lad": "districts", "lsoa": "LSOAs"}
__all__ = ["MARKER", "AtlasResult", "build_atlas", "is_atlas", "prepare_folder", "serve_atlas"]


@dataclass
class AtlasResult:
    """What :func:`build_atlas` wrote, and how long each stage took (seconds)."""

    folder: Path
    region: str
    pages: int
    pdfs: int
    files: int
    areas: int
    indicators: int
    stages: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    workers: int = 1
    seconds: float = 0.0  # wall-clock time of the whole build
    cpu_seconds: float = 0.0  # CPU time of this process and of the jobs done in workers


def write_marker(folder: Path, result: AtlasResult) -> Path:
    marker = {
        "kind": MARKER_KIND, "lpip_version": __version__, "region": result.region,
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"), "pages": result.pages,
        "pdfs": result.pdfs, "areas": result.areas, "indicators": result.indicators,
        "seconds": round(result.seconds, 1), "workers": result.workers,
        "stage_seconds": {k: round(v, 2) for k, v in result.stages.items()},
    }
    path = folder / MARKER
    path.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return path


# --- what goes in ------------------------------------------------------------------------


def sub_regions(session: Session, region: str) -> list[Area]:
    """The sub-regions (custom areas of level "subregion") whose districts all lie in ``region``."""
    districts = set(list_areas(session, level="lad", within=region)["code"])
    candidates = session.scalars(select(Area).where(Area.level == "subregion").order_by(Area.code)).all()
    chosen = []
    for area in candidates:
        members = set(session.scalars(select(AreaLink.child_code).where(AreaLink.parent_code == area.code)))
        if members and members <= districts:
            chosen.append(area)
    return chosen


def regions_within(session: Session, region: str) -> list[Area]:
    """The regions inside ``region`` (England's nine; none inside a region), profiled too."""
    return [get_area(session, code) for code in list_areas(session, level="region", within=region)["code"]
            if code != region]


def require_boundaries(session: Session, region: str) -> tuple[list[str], list[str]]:
    """(the region's district codes, notes). The district maps need district boundaries:
    :class:`NoBoundaries` when none of the districts has one; districts without one (e.g.
    districts newer than the bundled boundaries) are profiled but left off the maps, with a
    note."""
    from lpip.maps.choropleth import boundaries_for

    area = get_area(session, region)
    codes = list_areas(session, level="lad", within=region)["code"].tolist()
    if not codes:
        raise NoBoundaries(f"{area.code} ({area.name}) has no districts inside it, so there is nothing to map. "
                           "Build the atlas of a region or of England, e.g. --region E12000005.")
    _, missing = boundaries_for("lad", codes)
    if len(missing) == len(codes):
        raise NoBoundaries(
            f"None of the {len(codes):,} districts of {area.name} ({area.code}) has a bundled boundary (e.g. "
            f"{', '.join(missing[:3])}), so the atlas's maps cannot be drawn. lpip ships district boundaries for "
            "England: build with --region E12000005 or --region E92000001."
        )
    notes = []
    if missing:
        notes.append(f"{len(missing)} of the {len(codes)} districts have no bundled boundary and are not on the maps "
                     f"(they have profiles and are in every table): {', '.join(missing)}.")
    return codes, notes


def lsoa_maps_note(session: Session, region: Area) -> str | None:
    """None when every LSOA of the region has a bundled boundary (the LSOA pages can be drawn),
    else a note saying why the atlas has no LSOA pages."""
    from lpip.maps.choropleth import boundaries_for

    lsoas = list_areas(session, level="lsoa", within=region.code)["code"]
    _, missing = boundaries_for("lsoa", lsoas)
    if not missing:
        return None
    return (f"No LSOA maps: {len(missing):,} of the {len(lsoas):,} LSOAs of {region.name} have no bundled boundary "
            "(lpip ships LSOA boundaries for the West Midlands). The district pages, profiles and packs are complete.")


def lsoa_indicators(session: Session) -> list[Indicator]:
    """LSOA indicators that get a page: the IMD first, then the others in catalogue order,
    leaving out ranks, deciles and counts (:data:`LSOA_NOT_MAPPED`)."""
    query = select(Indicator).order_by(Indicator.theme, Indicator.id)
    chosen = [i for i in session.scalars(query) if "lsoa" in i.level_list and i.value_type not in LSOA_NOT_MAPPED]
    return sorted(chosen, key=lambda i: i.id != imd_indicator_id())


def atlas_indicators(session: Session, lsoa: bool = True) -> list[tuple[Indicator, str]]:
    """(indicator, level) for every page: each district indicator, then (when ``lsoa``) the
    LSOA indicators of :func:`lsoa_indicators`."""
    pages = [(i, "lad") for i in district_indicators(session)]
    if lsoa:
        pages += [(i, "lsoa") for i in lsoa_indicators(session)]
    return pages


# --- index, lists, search ----------------------------------------------------------------


def home_map(session: Session, site: Path, codes: list[str], subregions: list[Area], layers: list[dict]) -> dict:
    """Write the home map's data script (:mod:`lpip.reports.homemap`) and
    ``maps/districts.geojson`` (the district shapes); return the index page's map context."""
    import geopandas as gpd

    from lpip.evidence.profile import district_members
    from lpip.maps.choropleth import boundaries_for
    from lpip.reports.homemap import shapes, write_home_map

    found, missing = boundaries_for("lad", codes)
    names = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())
    frame = gpd.GeoDataFrame(found.assign(name=found["code"].map(names)).sort_values("code"), geometry="geometry",
                             crs="EPSG:4326").reset_index(drop=True)
    frame.attrs["without_boundary"] = missing
    groups = [(area, district_members(session, area)["code"].tolist()) for area in subregions]
    context = write_home_map(site, frame, groups, layers, INDEX_INDICATOR)
    (site / "maps" / "districts.geojson").write_text(json.dumps(shapes(frame), ensure_ascii=False), encoding="utf-8")
    return context


def search_entries(districts: list[Area], subregions: list[Area], pages: list[dict],
                   regions: list[Area] = ()) -> list[dict]:
    """The search index: every profile, data pack and indicator page, with words to match."""
    entries = [dict(title=a.name, kind="District profile", url=f"areas/{a.code}.html", words=f"{a.name} {a.code}")
               for a in districts]
    entries += [dict(title=a.name, kind="Region profile", url=f"areas/{a.code}.html", words=f"{a.name} {a.code} region")
                for a in regions]
    for area in subregions:
        entries.append(dict(title=area.name, kind="Sub-region profile", url=f"areas/{area.code}.html",
                            words=f"{area.name} {area.code}"))
        entries.append(dict(title=f"{area.name} data pack", kind="Data pack", url=f"datapacks/{area.code}.html",
                            words=f"{area.name} {area.code} data pack workshop"))
    entries += [dict(title=p["title"], kind=f"Indicator ({'districts' if p['level'] == 'lad' else 'LSOAs'})",
                     url=f"indicators/{p['id']}.html", words=f"{p['title']} {p['id']} {p['theme']}") for p in pages]
    return entries


def write_search(site: Path, entries: list[dict]) -> None:
    """search.json, and search.js with the same index for pages opened from the folder
    (file://), where the search script cannot fetch the JSON."""
    text = json.dumps(entries, ensure_ascii=False)
    (site / "search.json").write_text(text, encoding="utf-8")
    (site / "search.js").write_text(f"window.LPIP_SEARCH_INDEX = {text};\n", encoding="utf-8")


def write_lists(site: Path, region: Area, districts: list[Area], subregions: list[Area], pages: list[dict],
                home: dict, pdf: bool, built: str, regions: list[Area] = (), notes: list[str] = ()) -> int:
    """index.html, indicators.html, downloads.html and the search index; returns the page count."""
    write_search(site, search_entries(districts, subregions, pages, regions))
    themes: dict[str, list[dict]] = {}
    for page in pages:
        themes.setdefault(page["theme"], []).append(page)
    common = dict(region=region, districts=districts, subregions=subregions, regions=list(regions), pdf=pdf,
                  built=built, notes=list(notes))
    pages_html = {
        "index.html": render_page("index.html", title=f"{region.name} evidence atlas", home=home, **common),
        "indicators.html": render_page("indicators.html", title="Indicators", themes=themes, **common),
        "downloads.html": render_page("downloads.html", title="Downloads", pages=pages, **common),
    }
    for name, html in pages_html.items():
        (site / name).write_text(html, encoding="utf-8")
    return len(pages_html)


def write_tables(site: Path, context: ProfileContext) -> None:
    """The profiles' numbers as CSV: every area's indicators against England, and deprivation."""
    write_csv(context.benchmarks, site / "downloads" / "profiles-indicators.csv")
    write_csv(context.deprivation, site / "downloads" / "profiles-deprivation.csv")


# --- the build ---------------------------------------------------------------------------


def context_codes(session: Session, districts: list[Area], subregions: list[Area]) -> list[str]:
    """The areas whose figures the pages need: the profiled ones and the districts of each
    sub-region (its data pack compares them)."""
    from lpip.evidence.profile import district_members

    codes = [a.code for a in districts + subregions]
    for area in subregions:
        codes += district_members(session, area)["code"].tolist()
    return list(dict.fromkeys(codes))


def chosen_areas(codes: list[str], districts: list[Area], subregions: list[Area], region: Area,
                 regions: list[Area] = ()) -> tuple[list[Area], list[Area], list[Area]]:
    """The districts, sub-regions and regions named in ``codes``; :class:`UnknownAreaCode` for
    a code that is none of them."""
    known = {a.code for a in [*districts, *subregions, *regions]}
    unknown = [c for c in codes if c not in known]
    if unknown:
        shown = sorted(known) if len(known) <= 40 else [*sorted(known)[:40], "..."]
        raise UnknownAreaCode(
            f"{', '.join(unknown)}: not a district{', region' if regions else ''} or sub-region of {region.name} "
            f"({region.code}). Its districts{', regions' if regions else ''} and sub-regions: {', '.join(shown)}."
        )
    return ([a for a in districts if a.code in codes], [a for a in subregions if a.code in codes],
            [a for a in regions if a.code in codes])


def plan_jobs(indicators: list[tuple[Indicator, str]], districts: list[Area], subregions: list[Area],
              regions: list[Area] = ()) -> list[Job]:
    """Every job, the slowest first so that the processes finish together: data packs, the
    LSOA maps, profiles (regions first: they add up the most), then district indicator pages."""
    jobs = [Job("datapack", a.code) for a in subregions]
    jobs += [Job("indicator", i.id, level) for i, level in indicators if level == "lsoa"]
    jobs += [Job("profile", a.code) for a in [*regions, *subregions, *districts]]
    jobs += [Job("indicator", i.id, level) for i, level in indicators if level == "lad"]
    return jobs


def chosen_indicators(session: Session, region: Area, ids: list[str] | None,
                      notes: list[str]) -> list[tuple[Indicator, str]]:
    """Indicator pages to build: every district indicator and the LSOA ones by default (a job
    whose indicator has no value in the region is left out with a note; LSOA pages only where
    the region's LSOAs have boundaries, else a note); the indicators named in ``ids`` are
    checked now and must all have values there (else :class:`NoData`)."""
    from lpip.maps import map_frame

    lsoa_note = lsoa_maps_note(session, region)
    pages = atlas_indicators(session, lsoa=lsoa_note is None)
    if ids:
        wanted = [get_indicator(session, i).id for i in ids]
        pages = [(i, lvl) for i, lvl in pages if i.id in wanted]
        for indicator_id in set(wanted) - {i.id for i, _ in pages}:
            lsoa = ", ".join(i.id for i in lsoa_indicators(session))
            raise InvalidExport(f"{indicator_id} has no district values and is not one of the LSOA indicators the "
                                f"atlas maps ({lsoa}){'; ' + lsoa_note if lsoa_note else ''}. Choose another indicator.")
        for indicator, level in pages:
            map_frame(session, indicator.id, level=level, within=region.code, skip_unmapped=level == "lad")
    if lsoa_note:
        notes.append(lsoa_note)
    return pages


def build_atlas(session: Session, region: str = DEFAULT_REGION, out: Path = Path("atlas"), force: bool = False,
                progress: Progress | None = None, pdf: bool = True, indicators: list[str] | None = None,
                areas: list[str] | None = None, workers: int | None = None,
                similar_indicators: list[str] | None = None) -> AtlasResult:
    """Build the static evidence atlas of a region into the folder ``out``.

    Parameters
    ----------
    session : an open database session.
    region : the region (default E12000005, the West Midlands; the bundled boundaries cover it).
    out : the folder; created if missing. An existing folder must be empty or an earlier atlas
        unless ``force`` (see :func:`prepare_folder`).
    force : write into a folder that is not an atlas.
    progress : called as ``progress(label, done, total)`` after each step.
    pdf : also write PDFs of every profile and data pack (needs WeasyPrint's libraries).
    indicators : indicator ids to give pages to; default every district indicator with values
        in the region and the IMD and its domains by LSOA. A named indicator without values
        in the region stops the build (:class:`NoData`); by default it is left out with a note.
    areas : district and sub-region codes to write profiles (and, for sub-regions, data packs)
        of; default all of the region's. The index map shows every district either way.
    workers : processes to build pages in; default one per CPU (at most 4). The site is the
        same whatever the number: each page is made on its own, from the same inputs.
    similar_indicators : the variables of the district profiles' similar areas (district
        indicator ids, checked before anything is written); default a CIPFA-like set.

    Returns
    -------
    AtlasResult with the folder, counts and the seconds each stage took (for the pages, the
    seconds of work summed over the processes).

    Examples
    --------
    >>> result = build_atlas(session, out=Path("atlas"))  # doctest: +SKIP
    >>> result.pages  # doctest: +SKIP
    """
    cpu_started = time.process_time()
    region_area = get_area(session, region)
    codes, notes = require_boundaries(session, region_area.code)
    if pdf:
        from lpip.reports.pdf import check_pdf_support

        check_pdf_support()
    if similar_indicators:
        from lpip.evidence.similar import check_indicators

        similar_indicators = check_indicators(session, similar_indicators)
    districts = [get_area(session, c) for c in codes]
    subregions = outlined = sub_regions(session, region_area.code)
    regions = regions_within(session, region_area.code)
    if areas is not None:
        districts, subregions, regions = chosen_areas(areas, districts, subregions, region_area, regions)
    pages_to_build = chosen_indicators(session, region_area, indicators, notes)
    site = prepare_folder(Path(out), force)
    jobs = plan_jobs(pages_to_build, districts, subregions, regions)
    tracker = Tracker(progress, total=3 + len(jobs))
    for sub in ("indicators/img", "areas/img", "datapacks/img", "downloads", "maps"):
        (site / sub).mkdir(parents=True, exist_ok=True)
    copy_assets(site / "assets")
    tracker.step("assets", "copy assets")
    with tempfile.TemporaryDirectory(prefix="lpip-atlas-") as scratch:
        profiled = frozenset(a.code for a in [*districts, *subregions, *regions])
        settings = JobSettings(site, region_area.code, pdf, frozenset(a.code for a in subregions),
                               Path(scratch) / "context.pickle", profiled,
                               frozenset(i.id for i, level in pages_to_build if level == "lad"))
        count = worker_count(session, workers)
        pool = start_pool(session, count, settings) if count > 1 else None
        try:
            context = gather_context(session, context_codes(session, [*districts, *regions], subregions),
                                     region_area.code, progress=tracker.say, similar_indicators=similar_indicators)
            pd.to_pickle(context, settings.context_file)
            tracker.step("evidence", "indicators against England, deprivation, trends")
            write_tables(site, context)
            results = run_jobs(session, jobs, settings, pool, tracker)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
    order = {job: n for n, job in enumerate(jobs)}
    results.sort(key=lambda r: order[r["job"]])
    entries = [r["page"] for r in results if r["page"]]
    notes += [r["note"] for r in results if r["note"]]
    layers = [entry.pop("layer") for entry in entries if entry.get("layer")]
    built = long_date(datetime.now(timezone.utc).date())
    home = home_map(session, site, codes, outlined, layers)
    lists = write_lists(site, region_area, districts, subregions, entries, home, pdf, built, regions, notes)
    tracker.step("index and downloads", "index, lists and search")
    result = AtlasResult(
        folder=site, region=region_area.code, pages=lists + len(jobs), pdfs=sum(r["pdfs"] for r in results),
        files=0, areas=len(districts) + len(subregions) + len(regions), indicators=len(entries), stages=tracker.stages,
        notes=notes, workers=count,
    )
    result.seconds = time.perf_counter() - tracker.started
    result.cpu_seconds = time.process_time() - cpu_started + sum(r["cpu"] for r in results if r["pid"] != os.getpid())
    write_marker(site, result)
    result.files = sum(1 for p in site.rglob("*") if p.is_file())
    return result
