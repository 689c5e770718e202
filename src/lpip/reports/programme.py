"""The region-wide synthesis on the page: the Phase 2 programme document (HTML, or PDF through
:mod:`lpip.reports.pdf`), the region matrix (CSV, XLSX, PNG, HTML), the triage quadrant and the
plan exports.

The document: an executive summary, the region matrix, one section per priority (evidence chart
and figures, anonymised quotes, verdict, kind and reasons, partners, plan lines), the timeline,
the data-gap register, and sources with attribution. It covers the region's agreed priorities
(the candidates, said so, while none is agreed). Partners' contacts are never in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport
from lpip.geography.models import Area
from lpip.reports.priority_figures import (
    VERDICT_NAMES,
    evidence_figure,
    gantt_figure,
    matrix_figure,
    quadrant_figure,
)
from lpip.reports.quotes import anonymise_quotes, anonymise_titles
from lpip.reports.render import ATTRIBUTION, Figure, environment
from lpip.spreadsheets import write_csv, write_xlsx
from lpip.synthesis.evidence import data_gaps, describe_judgement
from lpip.synthesis.matrix import PriorityMatrix, priority_matrix
from lpip.synthesis.partners import partnership_diversity, suggest_partners
from lpip.synthesis.plan import COLUMN_NAMES, plan_table, write_plan
from lpip.synthesis.priorities import select_priorities
from lpip.synthesis.register import Assessment, assess_priorities
from lpip.synthesis.triage import KIND_LABELS
from lpip.workshops.models import Workshop

DEMO_LABEL = "DEMONSTRATION (made-up data)"
MAX_QUOTES = 3
MATRIX_SUFFIXES = (".csv", ".xlsx", ".png", ".html")
FIGURE_SUFFIXES = (".png", ".svg")
DOCUMENT_SUFFIXES = (".html", ".pdf")
GAP_NAMES = {"priority_id": "Priority", "title": "Title", "area_codes": "Areas", "why": "Why there is no evidence",
             "suggestions_without_data": "Suggested indicators without data", "data_needed": "Data that would answer it"}
FIGURE_NAMES = {"indicator": "Indicator", "place": "Area", "value": "Value", "england": "England", "period": "Period",
                "interval": "95% interval", "quintile": "Quintile (1 = worst fifth)", "difference": "Difference (SD)",
                "judged": "Judged", "source": "Source"}


def is_region(session: Session, target: str) -> bool:
    """True when ``target`` is the code of a region (the programme document), not a workshop id
    or sub-region (the workshop report)."""
    text = str(target).strip()
    return not text.isdigit() and session.scalar(select(Area.level).where(Area.code == text)) == "region"


def _check_destination(out: Path, suffixes: tuple[str, ...], example: str) -> Path:
    out = Path(out)
    if out.suffix.lower() not in suffixes:
        raise InvalidExport(f"{out}: write {' or '.join(suffixes)}; name the file e.g. {example}.")
    if not out.parent.is_dir():
        raise InvalidExport(f"{out}: the folder {out.parent} does not exist; create it or choose another path.")
    return out


# ----------------------------------------------------------------------------- the document as data


@dataclass
class PrioritySection:
    """One priority's part of the document."""

    priority_id: int
    title: str
    status: str
    kind: str
    computed_kind: str
    kind_reasons: str
    override_reason: str | None
    verdict: str
    verdicts: list[dict]
    figures: pd.DataFrame
    judgements: list[str]
    chart: dict | None
    quotes: list[str]
    support: dict
    partners: pd.DataFrame
    diversity: dict
    plan: pd.DataFrame
    sources: list[str] = field(default_factory=list)


@dataclass
class Programme:
    """Everything the programme document says."""

    region: str
    region_name: str
    demo: bool
    agreed: bool
    summary: list[str]
    matrix: pd.DataFrame
    matrix_figure: dict | None
    quadrant: dict | None
    sections: list[PrioritySection]
    timeline: dict | None
    gaps: pd.DataFrame
    sources: list[str]
    workshops: pd.DataFrame
    method: list[str] = field(default_factory=list)


def build_programme(session: Session, region: str = "E12000005", seed: int = 0) -> Programme:
    """Gather the programme document's contents for a region."""
    agreed = bool(select_priorities(session, area=region, statuses=("agreed",)))
    matrix = _anonymised(session, priority_matrix(session, region, statuses=("agreed",) if agreed else
                                                  ("candidate", "agreed"), seed=seed))
    assessment = matrix.assessment
    chosen = assessment.priorities if assessment else []
    titles = dict(zip(matrix.wide["priority_id"], matrix.wide["title"], strict=True))
    partners = suggest_partners(session, chosen, assessment.support, assessment.mapping) if chosen else pd.DataFrame()
    plan = plan_table(session, priority_ids=[p.id for p in chosen])
    networks: dict[int, dict] = {}
    sections = [_section(session, assessment, p, titles[p.id], partners, plan, networks) for p in chosen]
    gaps = data_gaps(session, chosen, assessment.evidence, assessment.support, assessment.mapping) if chosen else pd.DataFrame()
    if len(gaps):
        gaps["title"] = gaps["priority_id"].map(titles)
    return Programme(
        region=matrix.region, region_name=matrix.region_name, demo=_has_demo(session, assessment),
        agreed=agreed, summary=_summary(matrix, chosen, assessment, plan, gaps, agreed),
        matrix=_matrix_table(matrix), matrix_figure=_uri(matrix_figure(matrix.long, matrix.subregions,
                                                                       _matrix_title(matrix, _has_demo(session, assessment)),
                                                                       suffix=".svg")) if not matrix.long.empty else None,
        quadrant=_uri(quadrant_figure(quadrant_points(assessment, chosen),
                                      _labelled(f"Priorities of {matrix.region_name}", _has_demo(session, assessment)),
                                      seed=seed))
        if chosen else None,
        sections=sections, timeline=_uri(gantt_figure(plan, titles)) if len(plan) else None,
        gaps=gaps.rename(columns=GAP_NAMES), sources=_sources(sections), workshops=_workshops(session, assessment),
        method=method_notes(),
    )


def _anonymised(session: Session, matrix: PriorityMatrix) -> PriorityMatrix:
    """The matrix with priority titles anonymised (they may be drafted from people's words)."""
    if matrix.assessment is None:
        return matrix
    titles = anonymise_titles(session, {p.id: p.title for p in matrix.assessment.priorities})
    matrix.long = matrix.long.assign(title=matrix.long["priority_id"].map(titles))
    matrix.wide = matrix.wide.assign(title=matrix.wide["priority_id"].map(titles))
    return matrix


def quadrant_points(assessment: Assessment, priorities) -> pd.DataFrame:
    """``priority_id, title, complexity, tractability, kind, override`` for the quadrant figure."""
    rows = [dict(priority_id=p.id, title=p.title, complexity=assessment.triage[p.id].complexity,
                 tractability=assessment.triage[p.id].tractability, kind=assessment.triage[p.id].kind,
                 override=assessment.triage[p.id].override) for p in priorities]
    return pd.DataFrame(rows, columns=["priority_id", "title", "complexity", "tractability", "kind", "override"])


def _uri(figure: Figure | None) -> dict | None:
    return None if figure is None else {"src": figure.data_uri(), "alt": figure.alt}


def _matrix_title(matrix: PriorityMatrix, demo: bool = False) -> str:
    return _labelled(f"Priorities across the sub-regions of {matrix.region_name}", demo)


def _labelled(title: str, demo: bool) -> str:
    """A figure's title, saying so when made-up demonstration data is in it (figures travel alone)."""
    return f"{title} ({DEMO_LABEL})" if demo else title


def _has_demo(session: Session, assessment: Assessment | None) -> bool:
    if assessment is None:
        return False
    ids = {w for ws in assessment.support["workshop_ids"] for w in ws}
    return bool(ids) and bool(session.scalar(select(Workshop.id).where(Workshop.id.in_(ids), Workshop.is_demo.is_(True)).limit(1)))


def _summary(matrix: PriorityMatrix, chosen, assessment, plan: pd.DataFrame, gaps: pd.DataFrame, agreed: bool) -> list[str]:
    if not chosen:
        return [f"No priorities have been drafted or added for {matrix.region_name} yet. Draft them from each workshop "
                "(`lpip priorities draft WORKSHOP_ID`), then agree them (`lpip priorities agree ID`)."]
    kinds = pd.Series([assessment.triage[p.id].kind for p in chosen]).value_counts()
    verdicts = pd.Series([assessment.evidence.verdict(p.id) for p in chosen]).value_counts()
    workshops = {w for p in chosen for w in assessment.support_row(p.id).get("workshop_ids", [])}
    wide = matrix.region_wide
    lines = [
        f"{len(chosen)} {'agreed' if agreed else 'candidate'} priorities from {len(workshops)} workshop(s)"
        + ("" if agreed else " (none has been agreed yet, so this document shows the candidates)") + ".",
        f"{kinds.get('wicked', 0)} are wicked problems (research strands), {kinds.get('quick_win', 0)} quick wins "
        f"(actions) and {kinds.get('other', 0)} need scoping.",
        f"The evidence supports {verdicts.get('supported', 0)}, is mixed for {verdicts.get('mixed', 0)}, does not support "
        f"{verdicts.get('not_supported', 0)} and is missing for {verdicts.get('no_evidence', 0)} (see the data-gap register).",
        f"{len(wide)} priorities were raised in 3 or more sub-regions (region-wide)" +
        (": " + "; ".join(wide["title"].head(5)) if len(wide) else "") + ".",
        f"The plan has {len(plan)} line(s)" + (f", from {plan['start'].min()} to {plan['end'].max()}" if len(plan) else
                                               " (draft it with `lpip plan draft`)") + ".",
    ]
    return lines


def _matrix_table(matrix: PriorityMatrix) -> pd.DataFrame:
    """One column per sub-region: "raised · dots · verdict", compact enough for a landscape page."""
    rows = []
    for priority_id, group in matrix.long.groupby("priority_id", sort=False):
        first = group.iloc[0]
        row = {"Priority": f"{priority_id}. {first['title']}", "Kind": KIND_LABELS.get(first["kind"], first["kind"]),
               "Scope": first["scope"]}
        for item in group.itertuples(index=False):
            mark = "raised" if item.raised else "–"
            dots = f", {item.dots} dots" if item.dots else ""
            row[item.subregion] = f"{mark}{dots}; {VERDICT_NAMES.get(item.verdict, item.verdict)}"
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    order = matrix.wide["priority_id"].tolist()
    frame["_order"] = [order.index(int(p.split(".")[0])) for p in frame["Priority"]]
    return frame.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def _section(session: Session, assessment: Assessment, priority, title: str, partners: pd.DataFrame,
             plan: pd.DataFrame, networks: dict) -> PrioritySection:
    triage = assessment.triage[priority.id]
    support = assessment.support_row(priority.id)
    judgements = assessment.evidence.judgements
    own_areas = set(support.get("area_codes") or [])
    mine = judgements[(judgements["priority_id"] == priority.id) & judgements["area_code"].isin(own_areas)]
    verdicts = assessment.evidence.verdicts
    verdicts = verdicts[(verdicts["priority_id"] == priority.id) & verdicts["area_code"].isin(own_areas)]
    sources = assessment.context.sources
    quotes = anonymise_quotes(session, sources[sources["priority_id"] == priority.id].head(MAX_QUOTES))
    their = partners[partners["priority_id"] == priority.id] if not partners.empty else partners
    lines = plan[plan["priority_id"] == priority.id]
    chart = evidence_figure(mine, f"evidence-{priority.id}")
    return PrioritySection(
        priority_id=priority.id, title=title, status=priority.status, kind=triage.kind,
        computed_kind=triage.computed, kind_reasons=triage.reasons, override_reason=triage.override_reason,
        verdict=assessment.evidence.verdict(priority.id), verdicts=verdicts.to_dict("records"),
        figures=_figures_table(mine, _names(session, mine["judged_at"])), judgements=[describe_judgement(r) for r in mine.to_dict("records")],
        chart=_uri(chart), quotes=quotes["text"].tolist(), support=support,
        partners=their[["role", "organisation", "sector", "kind", "reason"]].rename(columns=str.capitalize)
        if not their.empty else pd.DataFrame(),
        diversity=partnership_diversity(session, support, their if not their.empty else partners, networks),
        plan=_plan_lines(session, lines), sources=mine["source"].dropna().tolist() if "source" in mine else [],
    )


def _names(session: Session, codes) -> dict[str, str]:
    codes = sorted(set(codes))
    return dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all()) if codes else {}


def _figures_table(rows: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    from lpip.evidence.formatting import format_number

    records = []
    for r in rows.to_dict("records"):
        unit = r.get("unit") or ""
        interval = (f"{format_number(r['lower_ci'], unit)}–{format_number(r['upper_ci'], unit)}"
                    if pd.notna(r.get("lower_ci")) and pd.notna(r.get("upper_ci")) else "–")
        records.append({
            "indicator": r["title"], "place": names.get(r["judged_at"], r["judged_at"]), "value": format_number(r.get("value"), unit),
            "england": format_number(r.get("centre"), unit), "period": r.get("period") or "–", "interval": interval,
            "quintile": "–" if pd.isna(r.get("quintile")) else int(r["quintile"]),
            "difference": "–" if pd.isna(r.get("z")) else f"{r['z']:+.2f}", "judged": r["direction"],
            "source": r.get("publisher") or r.get("source") or "",
        })
    return pd.DataFrame(records, columns=list(FIGURE_NAMES)).rename(columns=FIGURE_NAMES)


def _plan_lines(session: Session, lines: pd.DataFrame) -> pd.DataFrame:
    from lpip.evidence.formatting import format_number
    from lpip.evidence.models import Indicator

    if lines.empty:
        return pd.DataFrame()
    titles = dict(session.execute(select(Indicator.id, Indicator.title)
                                  .where(Indicator.id.in_(lines["indicator"].unique().tolist()))).all())
    names = _names(session, lines["area_code"])
    frame = pd.DataFrame({
        "Strand": lines["strand"], "Research question or action": [q or a for q, a in zip(
            lines["research_question"], lines["activity"], strict=True)],
        "Indicator and area": [f"{titles.get(i, i) or 'no indicator linked'} ({names.get(a, a) or 'the region'})"
                               for i, a in zip(lines["indicator"], lines["area_code"], strict=True)],
        "Baseline": [f"{format_number(b)} ({p})" if pd.notna(b) else "–" for b, p in zip(
            lines["baseline"], lines["baseline_period"], strict=True)],
        "Target": lines["target"].replace("", "–"), "When": lines["start"] + " to " + lines["end"],
        "Lead": lines["lead"].replace("", "to be agreed"),
    })
    return frame.reset_index(drop=True)


def _sources(sections: list[PrioritySection]) -> list[str]:
    return sorted({s for section in sections for s in section.sources if s})


def _workshops(session: Session, assessment: Assessment | None) -> pd.DataFrame:
    ids = sorted({w for ws in assessment.support["workshop_ids"] for w in ws}) if assessment else []
    rows = session.execute(select(Workshop.id, Workshop.title, Workshop.date, Workshop.subregion_code)
                           .where(Workshop.id.in_(ids)).order_by(Workshop.id)).all() if ids else []
    return pd.DataFrame([(i, t, d.isoformat() if d else "", s or "") for i, t, d, s in rows],
                        columns=["Workshop", "Title", "Date", "Sub-region"])


def method_notes() -> list[str]:
    """How the verdicts, the triage and the plan were made, in plain words."""
    from lpip.synthesis.evidence import SIMILAR_WITHIN_SD

    return [
        "Verdicts compare each linked indicator in each area with England: by the 95% confidence interval where the "
        f"data has one; otherwise by the standardised difference (within ±{SIMILAR_WITHIN_SD:g} standard deviations of "
        "English districts is similar) and, for districts, their fifth among English districts. A sub-region whose value "
        "cannot be worked out is judged by its districts (more than half decides). Supported: worse than England on at "
        "least one linked indicator and better on none; mixed: worse on some, better on others; not supported: similar "
        "or better on all; no evidence: nothing linked or no data.",
        "IoD2019 indicators are compared by the summary measures MHCLG publishes for larger areas (File 10), recomputed "
        "from LSOA data: average score, average rank, and the share of LSOAs among England's most deprived 10%.",
        "Wicked problem: 3 or more of spanning 3+ themes, raised by 3+ sectors, contested (opinion groups' agreement "
        "below 0.5 or 0.3 apart), mixed or missing evidence, 3+ kinds of organisation needed, a long horizon. Quick win: "
        "not wicked, and 3 or more of high consensus (agreement 0.6+), evidence that supports it, one lead kind of "
        "organisation, a short horizon. Facilitators may override the kind with a reason; both are shown.",
        "Plan lines: wicked problems become research strands (3 years), quick wins actions (12 months), others scoping "
        "(18 months). Baselines are read from the database; targets start as the direction of the indicator's polarity.",
        "Quotes are anonymised: names, email addresses and phone numbers written into them are removed.",
    ]


# ----------------------------------------------------------------------------- writing


def programme_html(programme: Programme) -> str:
    """The programme document as one self-contained HTML page."""
    return environment().get_template("programme.html").render(
        programme=programme, demo_label=DEMO_LABEL, made=date.today().isoformat(), attribution=ATTRIBUTION,
        kind_labels=KIND_LABELS, verdict_names=VERDICT_NAMES, plan_names=COLUMN_NAMES,
    )


def write_programme(session: Session, region: str, out: str | Path, seed: int = 0) -> Path:
    """Write the region's programme document as HTML or PDF (chosen by the file's suffix).

    Examples
    --------
    >>> write_programme(session, "E12000005", "programme.pdf")  # doctest: +SKIP
    """
    out = _check_destination(Path(out), DOCUMENT_SUFFIXES, "programme.pdf")
    if out.suffix.lower() == ".pdf":
        from lpip.reports.pdf import check_pdf_support

        check_pdf_support()
    html = programme_html(build_programme(session, region, seed=seed))
    if out.suffix.lower() == ".html":
        out.write_text(html, encoding="utf-8")
        return out
    from lpip.reports.pdf import write_pdf

    return write_pdf(html, out)


def write_matrix(session: Session, out: str | Path, region: str = "E12000005", seed: int = 0) -> Path:
    """Write the region matrix as CSV or XLSX (one row per priority), PNG or HTML."""
    out = _check_destination(Path(out), MATRIX_SUFFIXES, "matrix.xlsx")
    matrix = _anonymised(session, priority_matrix(session, region, seed=seed))
    suffix = out.suffix.lower()
    if suffix == ".csv":
        write_csv(matrix.wide, out)
    elif suffix == ".xlsx":
        write_xlsx({"matrix": matrix.wide, "by sub-region": matrix.long}, out)
    elif suffix == ".png":
        title = _matrix_title(matrix, _has_demo(session, matrix.assessment))
        matrix_figure(matrix.long, matrix.subregions, title, suffix=".png").write(out.parent).rename(out)
    else:
        out.write_text(environment().get_template("priority_matrix.html").render(
            title=_matrix_title(matrix), table=_matrix_table(matrix), demo=_has_demo(session, matrix.assessment),
            demo_label=DEMO_LABEL, made=date.today().isoformat()), encoding="utf-8")
    return out


def write_quadrant(session: Session, out: str | Path, region: str = "E12000005", seed: int = 0) -> Path:
    """Draw the triage quadrant of the region's priorities (agreed and candidates) as PNG or SVG."""
    out = _check_destination(Path(out), FIGURE_SUFFIXES, "quadrant.png")
    priorities = select_priorities(session, area=region, statuses=("candidate", "agreed"))
    assessment = assess_priorities(session, priorities, seed=seed) if priorities else None
    points = quadrant_points(assessment, priorities) if assessment else quadrant_points_empty()
    area = session.get(Area, region)
    title = _labelled(f"Priorities of {area.name if area else region}", _has_demo(session, assessment))
    figure = quadrant_figure(points, title, suffix=out.suffix.lower(), seed=seed)
    figure.write(out.parent).rename(out)
    return out


def quadrant_points_empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["priority_id", "title", "complexity", "tractability", "kind", "override"])


def region_data_gaps(session: Session, region: str = "E12000005", seed: int = 0) -> pd.DataFrame:
    """The data-gap register of the region's agreed and candidate priorities."""
    priorities = select_priorities(session, area=region, statuses=("candidate", "agreed"))
    if not priorities:
        return pd.DataFrame(columns=list(GAP_NAMES))
    assessment = assess_priorities(session, priorities, seed=seed)
    return data_gaps(session, priorities, assessment.evidence, assessment.support, assessment.mapping)


def export_plan(session: Session, fmt: str, out: str | Path, region: str = "E12000005", seed: int = 0) -> Path:
    """The plan as CSV, XLSX or JSON (with the data-gap register), or the programme document as HTML or PDF."""
    out = Path(out)
    if fmt in ("html", "pdf"):
        if out.suffix.lower() != f".{fmt}":
            raise InvalidExport(f"{out}: --format {fmt} writes a .{fmt} file; name it e.g. programme.{fmt}.")
        return write_programme(session, region, out, seed=seed)
    if out.suffix.lower() != f".{fmt}":
        raise InvalidExport(f"{out}: --format {fmt} writes a .{fmt} file; name it e.g. plan.{fmt}.")
    return write_plan(session, fmt, out, region, gaps=region_data_gaps(session, region, seed).rename(columns=GAP_NAMES))
