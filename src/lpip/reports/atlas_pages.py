"""Building the atlas's pages in worker processes: the jobs (an indicator page, a profile, a
data pack), the pool that runs them, and the tracker that counts them for the progress bar.

Each job is made on its own from the same inputs (the database and the profiles' context,
read once per process from a pickle), so the site is the same whatever the number of
processes. :func:`lpip.reports.atlas.build_atlas` plans the jobs and runs them here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from lpip.errors import NoData
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.datapack import build_datapack
from lpip.evidence.profile import ProfileContext, build_profile
from lpip.geography.areas import get_area
from lpip.reports.datapack import datapack_figures, datapack_page
from lpip.reports.indicators import indicator_page
from lpip.reports.profile import profile_figures, profile_page
from lpip.reports.render import figure_sources

Progress = Callable[[str, int, int], None]


# --- pages --------------------------------------------------------------------------


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



# --- jobs ---------------------------------------------------------------------------------


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


def worker_count(session: Session, workers: int | None) -> int:
    """Processes to use: ``workers``, else one per CPU; 1 for an in-memory database, which
    other processes cannot open."""
    url = session.get_bind().url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return 1
    return max(1, workers if workers is not None else min(os.cpu_count() or 1, 4))


def start_pool(session: Session, count: int, settings: JobSettings):
    """Worker processes started from a fork server that has lpip imported already, so that
    they start in a fraction of a second and no thread of this process is forked.

    As with any process pool, a script that calls :func:`build_atlas` must do so under
    ``if __name__ == "__main__":``; if the workers cannot start, the build goes on in this
    process (see :func:`_run_jobs`).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    # Everything a job imports, so that no worker spends its first job importing WeasyPrint,
    # matplotlib and geopandas (seconds of CPU each).
    context.set_forkserver_preload(["lpip.reports.atlas", "lpip.reports.atlas_pages", "lpip.reports.datapack", "lpip.maps", "lpip.maps.static",
                                    "lpip.reports.pdf", "weasyprint", "matplotlib.pyplot", "esda", "libpysal"])
    url = session.get_bind().url.render_as_string(hide_password=False)
    return ProcessPoolExecutor(count, mp_context=context, initializer=_start_worker, initargs=(url, settings))


STAGE_NAMES = {"indicator": "indicator pages", "profile": "profiles", "datapack": "data packs"}


def run_jobs(session: Session, jobs: list[Job], settings: JobSettings, pool, tracker: Tracker) -> list[dict]:
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


def _record(outcome: dict, tracker: Tracker) -> dict:
    tracker.add(STAGE_NAMES[outcome["job"].kind], outcome["seconds"], outcome["job"].code)
    return outcome


class Tracker:
    """Counts steps for the progress callback and adds up the seconds of each stage."""

    def __init__(self, progress: Progress | None, total: int):
        self.progress, self.total, self.done = progress, total, 0
        self.stages: dict[str, float] = {}
        self.last = self.started = time.perf_counter()

    def say(self, label: str) -> None:
        """A step of the evidence stage announced as it starts (counted as it comes, so that
        the total grows with it and every step is still counted once)."""
        self.total += 1
        self.step("evidence", label)

    def step(self, stage: str, label: str) -> None:
        now = time.perf_counter()
        self.add(stage, now - self.last, label)
        self.last = now

    def add(self, stage: str, seconds: float, label: str) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds
        self.done += 1
        if self.progress:
            self.progress(label, self.done, self.total)
