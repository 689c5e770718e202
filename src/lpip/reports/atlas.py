"""The evidence atlas: a static site of maps, indicator pages, area profiles and data packs.

``build_atlas`` writes, into one folder::

    index.html            a map of the region's districts, a search box, every area and pack
    indicators.html       the list of indicators, by theme
    indicators/ID.html    one page per indicator: map, ranked table, chart, downloads
    areas/CODE.html|.pdf  one profile per district and sub-region
    datapacks/CODE.html|.pdf  one data pack per sub-region
    downloads.html        every file to download; downloads/ holds CSV, XLSX (and the maps' GeoJSON)
    search.json           the search index read by assets/atlas.js
    atlas.json            the marker that says "this folder is an lpip atlas"

Everything the pages load is in the folder (Leaflet, our CSS and scripts): the site works
offline and from any static web server (``lpip atlas serve``). The folder rules and serving
are in :mod:`lpip.reports.site`, the indicator pages in :mod:`lpip.reports.indicators`.
Pages are made in worker processes (one per CPU), each page on its own from the same inputs,
so the site is the same whatever the number of processes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip import __version__
from lpip.errors import InvalidExport, LpipError, NoBoundaries, NoData, UnknownAreaCode
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.models import Indicator
from lpip.geography.areas import get_area, list_areas
from lpip.geography.models import Area, AreaLink
from lpip.evidence.benchmarks import DEFAULT_REGION, district_indicators
from lpip.evidence.datapack import build_datapack
from lpip.evidence.profile import ProfileContext, build_profile, gather_context
from lpip.reports.datapack import datapack_figures, datapack_page
from lpip.reports.indicators import indicator_page, map_assets
from lpip.reports.profile import profile_figures, profile_page
from lpip.reports.render import figure_sources, long_date, render_page
from lpip.reports.site import MARKER, MARKER_KIND, copy_assets, is_atlas, prepare_folder, serve_atlas
from lpip.spreadsheets import write_csv

# The IoD2019 index and the domains that the bundle has at LSOA level, mapped by score.
LSOA_INDICATORS = (
    "imd_score", "income_score", "employment_score", "education_score", "health_score", "crime_score",
    "barriers_score", "living_environment_score",
)
INDEX_INDICATOR = "gdhi_per_head"
LEVEL_NAMES = {"lad": "districts", "lsoa": "LSOAs"}
Progress = Callable[[str, int, int], None]
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


def require_boundaries(session: Session, region: str) -> list[str]:
    """The region's district codes; :class:`NoBoundaries` when any of its districts or LSOAs
    has no bundled boundary (the atlas maps both)."""
    from lpip.maps.choropleth import boundaries_for

    area = get_area(session, region)
    codes = list_areas(session, level="lad", within=region)["code"].tolist()
    if not codes:
        raise NoBoundaries(f"{area.code} ({area.name}) has no districts inside it, so there is nothing to map. "
                           "Build the atlas of a region, e.g. --region E12000005.")
    for level, wanted in (("lad", codes), ("lsoa", list_areas(session, level="lsoa", within=region)["code"])):
        _, missing = boundaries_for(level, wanted)
        if missing:
            raise NoBoundaries(
                f"{len(missing):,} of the {len(wanted):,} {LEVEL_NAMES[level]} of {area.name} ({area.code}) have no "
                f"bundled boundary (e.g. {', '.join(missing[:3])}), so the atlas's maps cannot be drawn. lpip ships "
                "district and LSOA boundaries for the West Midlands: build with --region E12000005."
            )
    return codes


def atlas_indicators(session: Session) -> list[tuple[Indicator, str]]:
    """(indicator, level) for every page: each district indicator, then the IMD and domains by LSOA."""
    pages = [(i, "lad") for i in district_indicators(session)]
    for indicator_id in LSOA_INDICATORS:
        try:
            pages.append((get_indicator(session, indicator_id), "lsoa"))
        except LpipError:
            continue
    return pages


# --- area pages --------------------------------------------------------------------------


def area_page(session: Session, site: Path, code: str, context: ProfileContext, pdf: bool, packs: set[str],
              profiled: frozenset[str] = frozenset(), indicator_pages: frozenset[str] = frozenset()) -> int:
    """Write one profile (HTML, and PDF when asked); return the number of PDFs written."""
    profile = build_profile(session, code, context.region.code, context)
    figures = profile_figures(session, profile)
    sources = figure_sources(figures, site / "areas" / "img", "img/")
    links = {"areas": "", "indicators": "../indicators/", "pdf": f"{code}.pdf" if pdf else None,
             "datapack": f"../datapacks/{code}.html" if code in packs else None, "profiled": profiled,
             "indicator_pages": indicator_pages}
    html = profile_page(profile, sources, standalone=False, root="../", links=links)
    out = site / "areas" / f"{code}.html"
    out.write_text(html, encoding="utf-8")
    return _pdf(html, out, pdf)


def datapack_files(session: Session, site: Path, code: str, context: ProfileContext, pdf: bool,
                   profiled: frozenset[str] = frozenset()) -> int:
    pack = build_datapack(session, code, context.region.code, context)
    sources = figure_sources(datapack_figures(session, pack), site / "datapacks" / "img", "img/")
    links = {"areas": "../areas/", "profile": f"../areas/{code}.html", "pdf": f"{code}.pdf" if pdf else None,
             "profiled": profiled}
    html = datapack_page(pack, sources, standalone=False, root="../", links=links)
    out = site / "datapacks" / f"{code}.html"
    out.write_text(html, encoding="utf-8")
    return _pdf(html, out, pdf)


def _pdf(html: str, page: Path, pdf: bool) -> int:
    if not pdf:
        return 0
    from lpip.reports.pdf import write_pdf

    write_pdf(html, page.with_suffix(".pdf"), base_url=page.parent)
    return 1


# --- index, lists, search ----------------------------------------------------------------


def index_map(session: Session, site: Path, region: Area) -> str:
    from lpip.maps import map_frame, write_interactive

    indicator = get_indicator(session, INDEX_INDICATOR)
    frame = map_frame(session, indicator.id, level="lad", within=region.code)
    fragment = write_interactive(frame, indicator, site / "maps", name="districts", asset_prefix="assets",
                                 geojson_url="maps/districts.geojson")
    return fragment.read_text(encoding="utf-8")


def search_entries(districts: list[Area], subregions: list[Area], pages: list[dict]) -> list[dict]:
    """The search index: every profile, data pack and indicator page, with words to match."""
    entries = [dict(title=a.name, kind="District profile", url=f"areas/{a.code}.html", words=f"{a.name} {a.code}")
               for a in districts]
    for area in subregions:
        entries.append(dict(title=area.name, kind="Sub-region profile", url=f"areas/{area.code}.html",
                            words=f"{area.name} {area.code}"))
        entries.append(dict(title=f"{area.name} data pack", kind="Data pack", url=f"datapacks/{area.code}.html",
                            words=f"{area.name} {area.code} data pack workshop"))
    entries += [dict(title=p["title"], kind=f"Indicator ({'districts' if p['level'] == 'lad' else 'LSOAs'})",
                     url=f"indicators/{p['id']}.html", words=f"{p['title']} {p['id']} {p['theme']}") for p in pages]
    return entries


def write_lists(site: Path, region: Area, districts: list[Area], subregions: list[Area], pages: list[dict],
                map_html: str, pdf: bool, built: str) -> int:
    """index.html, indicators.html, downloads.html and search.json; returns the page count."""
    (site / "search.json").write_text(json.dumps(search_entries(districts, subregions, pages), ensure_ascii=False),
                                      encoding="utf-8")
    themes: dict[str, list[dict]] = {}
    for page in pages:
        themes.setdefault(page["theme"], []).append(page)
    common = dict(region=region, districts=districts, subregions=subregions, pdf=pdf, built=built)
    pages_html = {
        "index.html": render_page("index.html", title=f"{region.name} evidence atlas", map_html=map_html,
                                  map_assets=map_assets("assets"), **common),
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


@dataclass(frozen=True)
class Job:
    """One independent piece of the site: an indicator page, a profile or a data pack."""

    kind: str  # "indicator", "profile" or "datapack"
    code: str
    level: str = "lad"


@dataclass(frozen=True)
class JobSettings:
    """What every job needs besides the database: where to write and what to link."""

    site: Path
    region: str
    pdf: bool
    packs: frozenset[str]
    context_file: Path
    profiled: frozenset[str] = frozenset()
    indicator_pages: frozenset[str] = frozenset()


_WORKER: dict = {}  # per process: engine, session, settings and the context read once


def run_job(job: Job) -> dict:
    """Do one job in this process (a worker, or the main process when building serially)."""
    started, cpu = time.perf_counter(), time.process_time()
    session, settings = _WORKER["session"], _WORKER["settings"]
    if job.kind == "indicator":
        result = _indicator_job(session, settings, job)
    else:
        context = _worker_context(settings.context_file)
        if job.kind == "profile":
            pdfs = area_page(session, settings.site, job.code, context, settings.pdf, set(settings.packs),
                             settings.profiled, settings.indicator_pages)
        else:
            pdfs = datapack_files(session, settings.site, job.code, context, settings.pdf, settings.profiled)
        result = dict(page=None, pdfs=pdfs, note=None)
    session.rollback()  # read-only work: end the transaction so the next job sees a fresh snapshot
    return dict(result, job=job, seconds=time.perf_counter() - started, cpu=time.process_time() - cpu,
                pid=os.getpid())


def _indicator_job(session: Session, settings: JobSettings, job: Job) -> dict:
    region = get_area(session, settings.region)
    try:
        entry = indicator_page(session, settings.site, get_indicator(session, job.code), job.level, region,
                               settings.profiled)
    except NoData as exc:
        return dict(page=None, pdfs=0, note=f"{job.code} has no page: {exc.message}")
    return dict(page=entry, pdfs=0, note=None)


def _worker_context(path: Path) -> ProfileContext:
    if _WORKER.get("context_file") != path:
        _WORKER["context"] = pd.read_pickle(path)
        _WORKER["context_file"] = path
    return _WORKER["context"]


def _start_worker(database_url: str, settings: JobSettings) -> None:
    from lpip.db import make_engine, session_factory

    engine = make_engine(database_url)
    _WORKER.update(engine=engine, session=session_factory(engine)(), settings=settings)


def _worker_count(session: Session, workers: int | None) -> int:
    """Processes to use: ``workers``, else one per CPU; 1 for an in-memory database, which
    other processes cannot open."""
    url = session.get_bind().url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return 1
    return max(1, workers if workers is not None else min(os.cpu_count() or 1, 4))


def _pool(session: Session, count: int, settings: JobSettings):
    """Worker processes started from a fork server that has lpip imported already, so that
    they start in a fraction of a second and no thread of this process is forked.

    As with any process pool, a script that calls :func:`build_atlas` must do so under
    ``if __name__ == "__main__":``; if the workers cannot start, the build goes on in this
    process (see :func:`_run_jobs`).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["lpip.reports.atlas", "lpip.reports.datapack", "lpip.maps"])
    url = session.get_bind().url.render_as_string(hide_password=False)
    return ProcessPoolExecutor(count, mp_context=context, initializer=_start_worker, initargs=(url, settings))


def context_codes(session: Session, districts: list[Area], subregions: list[Area]) -> list[str]:
    """The areas whose figures the pages need: the profiled ones and the districts of each
    sub-region (its data pack compares them)."""
    from lpip.evidence.profile import district_members

    codes = [a.code for a in districts + subregions]
    for area in subregions:
        codes += district_members(session, area)["code"].tolist()
    return list(dict.fromkeys(codes))


def chosen_areas(codes: list[str], districts: list[Area], subregions: list[Area], region: Area) -> tuple[list[Area], list[Area]]:
    """The districts and sub-regions named in ``codes``; :class:`UnknownAreaCode` for a code that is neither."""
    known = {a.code for a in districts + subregions}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise UnknownAreaCode(
            f"{', '.join(unknown)}: not a district or sub-region of {region.name} ({region.code}). "
            f"Its districts and sub-regions: {', '.join(sorted(known))}."
        )
    return [a for a in districts if a.code in codes], [a for a in subregions if a.code in codes]


def plan_jobs(indicators: list[tuple[Indicator, str]], districts: list[Area], subregions: list[Area]) -> list[Job]:
    """Every job, the slowest first so that the processes finish together: data packs, the
    LSOA maps, profiles, then district indicator pages."""
    jobs = [Job("datapack", a.code) for a in subregions]
    jobs += [Job("indicator", i.id, level) for i, level in indicators if level == "lsoa"]
    jobs += [Job("profile", a.code) for a in subregions + districts]
    jobs += [Job("indicator", i.id, level) for i, level in indicators if level == "lad"]
    return jobs


def chosen_indicators(session: Session, region: str, ids: list[str] | None) -> list[tuple[Indicator, str]]:
    """Indicator pages to build: every district indicator and the LSOA ones by default (a job
    whose indicator has no value in the region is left out with a note); the indicators named
    in ``ids`` are checked now and must all have values there (else :class:`NoData`)."""
    from lpip.maps import map_frame

    pages = atlas_indicators(session)
    if ids:
        wanted = [get_indicator(session, i).id for i in ids]
        pages = [(i, lvl) for i, lvl in pages if i.id in wanted]
        for indicator_id in set(wanted) - {i.id for i, _ in pages}:
            raise InvalidExport(f"{indicator_id} has no district values and is not one of the LSOA indicators the "
                                f"atlas maps ({', '.join(LSOA_INDICATORS)}); choose another indicator.")
        for indicator, level in pages:
            map_frame(session, indicator.id, level=level, within=region)  # NoData when it has no values there
    return pages


def build_atlas(session: Session, region: str = DEFAULT_REGION, out: Path = Path("atlas"), force: bool = False,
                progress: Progress | None = None, pdf: bool = True, indicators: list[str] | None = None,
                areas: list[str] | None = None, workers: int | None = None) -> AtlasResult:
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
    require_boundaries(session, region_area.code)
    if pdf:
        from lpip.reports.pdf import check_pdf_support

        check_pdf_support()
    districts = [get_area(session, c) for c in list_areas(session, level="lad", within=region_area.code)["code"]]
    subregions = sub_regions(session, region_area.code)
    if areas is not None:
        districts, subregions = chosen_areas(areas, districts, subregions, region_area)
    pages_to_build = chosen_indicators(session, region_area.code, indicators)
    site = prepare_folder(Path(out), force)
    jobs = plan_jobs(pages_to_build, districts, subregions)
    tracker = _Tracker(progress, total=3 + len(jobs))
    for sub in ("indicators/img", "areas/img", "datapacks/img", "downloads", "maps"):
        (site / sub).mkdir(parents=True, exist_ok=True)
    copy_assets(site / "assets")
    tracker.step("assets", "copy assets")
    with tempfile.TemporaryDirectory(prefix="lpip-atlas-") as scratch:
        settings = JobSettings(site, region_area.code, pdf, frozenset(a.code for a in subregions),
                               Path(scratch) / "context.pickle", frozenset(a.code for a in districts + subregions),
                               frozenset(i.id for i, level in pages_to_build if level == "lad"))
        count = _worker_count(session, workers)
        pool = _pool(session, count, settings) if count > 1 else None
        try:
            context = gather_context(session, context_codes(session, districts, subregions), region_area.code)
            pd.to_pickle(context, settings.context_file)
            tracker.step("evidence", "indicators against England, deprivation, trends")
            write_tables(site, context)
            results = _run_jobs(session, jobs, settings, pool, tracker)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
    order = {job: n for n, job in enumerate(jobs)}
    results.sort(key=lambda r: order[r["job"]])
    entries = [r["page"] for r in results if r["page"]]
    notes = [r["note"] for r in results if r["note"]]
    built = long_date(datetime.now(timezone.utc).date())
    lists = write_lists(site, region_area, districts, subregions, entries, index_map(session, site, region_area), pdf, built)
    tracker.step("index and downloads", "index, lists and search")
    result = AtlasResult(
        folder=site, region=region_area.code, pages=lists + len(jobs), pdfs=sum(r["pdfs"] for r in results),
        files=0, areas=len(districts) + len(subregions), indicators=len(entries), stages=tracker.stages,
        notes=notes, workers=count,
    )
    result.seconds = time.perf_counter() - tracker.started
    result.cpu_seconds = time.process_time() - cpu_started + sum(r["cpu"] for r in results if r["pid"] != os.getpid())
    write_marker(site, result)
    result.files = sum(1 for p in site.rglob("*") if p.is_file())
    return result


STAGE_NAMES = {"indicator": "indicator pages", "profile": "profiles", "datapack": "data packs"}


def _run_jobs(session: Session, jobs: list[Job], settings: JobSettings, pool, tracker: _Tracker) -> list[dict]:
    """Run the jobs in the pool (or here, one after another); the tracker gets each job's own
    seconds under its stage, and the wall-clock time of the whole as "pages (elapsed)"."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    started = time.perf_counter()
    results: list[dict] = []
    if pool is not None:
        try:
            futures = [pool.submit(run_job, job) for job in jobs]
            for future in as_completed(futures):
                results.append(_record(future.result(), tracker))
        except BrokenProcessPool:
            # Workers could not start (e.g. a script without a __main__ guard): finish here.
            done = {r["job"] for r in results}
            jobs = [job for job in jobs if job not in done]
        else:
            jobs = []
    _WORKER.update(session=session, settings=settings)
    results += [_record(run_job(job), tracker) for job in jobs]
    tracker.stages["pages (elapsed)"] = time.perf_counter() - started
    tracker.last = time.perf_counter()
    return results


def _record(outcome: dict, tracker: _Tracker) -> dict:
    tracker.add(STAGE_NAMES[outcome["job"].kind], outcome["seconds"], outcome["job"].code)
    return outcome


class _Tracker:
    """Counts steps for the progress callback and adds up the seconds of each stage."""

    def __init__(self, progress: Progress | None, total: int):
        self.progress, self.total, self.done = progress, total, 0
        self.stages: dict[str, float] = {}
        self.last = self.started = time.perf_counter()

    def step(self, stage: str, label: str) -> None:
        now = time.perf_counter()
        self.add(stage, now - self.last, label)
        self.last = now

    def add(self, stage: str, seconds: float, label: str) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds
        self.done += 1
        if self.progress:
            self.progress(label, self.done, self.total)


