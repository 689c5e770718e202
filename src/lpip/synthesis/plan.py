"""The Phase 2 programme plan: lines drafted from agreed priorities, edited by people.

:func:`draft_plan` makes one line per agreed priority of the region and linked indicator and
area (one line without an indicator for a priority with none linked):

- a **wicked** priority becomes a **research** strand: a research question, an activity and
  partners, over 3 years;
- a **quick win** becomes an **action** with an owner (its suggested lead), over 12 months;
- any **other** priority becomes a **scoping** line: what it would take to act, over 18 months.

``baseline``, ``baseline_period`` and ``baseline_source`` come from the database: the area's
value of the indicator in the comparison the verdicts use (never typed by hand; drafting again
refreshes them). The ``target`` starts as the direction of the indicator's polarity ("lower
than 30.6") for people to make a number of. Drafting again keeps what people edited and adds
lines for newly agreed priorities and new links.

:func:`import_plan` reads back an edited CSV or XLSX (as :func:`write_plan` wrote it): only the
editable columns may change; a changed baseline, an unknown line, a date that is not a date,
an end before its start or a number that is not finite is refused with its row and column, and
then nothing is changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport, InvalidPlanFile
from lpip.evidence.benchmarks import DEFAULT_REGION
from lpip.evidence.formatting import format_number
from lpip.spreadsheets import write_csv, write_xlsx
from lpip.synthesis.evidence import comparison_rows
from lpip.synthesis.models import STRANDS, PlanLine, Priority
from lpip.synthesis.priorities import LISTED_STATUSES, links_of, select_priorities
from lpip.synthesis.sheets import looks_numeric, parse_number, read_sheet
from lpip.text import clean_text
from lpip.workshops.models import utcnow

PLAN_COLUMNS = [
    "line_id", "priority_id", "strand", "research_question", "activity", "lead", "partners", "indicator",
    "area_code", "baseline", "baseline_period", "baseline_source", "target", "target_period", "start", "end",
    "risks", "dependencies",
]
EDITABLE = ("strand", "research_question", "activity", "lead", "partners", "target", "target_period", "start", "end",
            "risks", "dependencies")
FROM_DATABASE = ("priority_id", "indicator", "area_code", "baseline", "baseline_period", "baseline_source")
STRAND_OF_KIND = {"wicked": "research", "quick_win": "action", "other": "scoping"}
MONTHS = {"research": 36, "action": 12, "scoping": 18}
TEXT_LIMITS = {"research_question": 2000, "activity": 4000, "lead": 300, "partners": 2000, "target": 200,
               "target_period": 64, "risks": 4000, "dependencies": 4000}
BASELINE_TOLERANCE = 1e-6
# Plain names for every column, for documents and the XLSX's notes sheet.
COLUMN_NAMES = {
    "line_id": "Line", "priority_id": "Priority", "strand": "Strand", "research_question": "Research question",
    "activity": "Activity", "lead": "Lead", "partners": "Partners", "indicator": "Indicator", "area_code": "Area",
    "baseline": "Baseline", "baseline_period": "Baseline period", "baseline_source": "Baseline source",
    "target": "Target", "target_period": "Target period", "start": "Start", "end": "End", "risks": "Risks",
    "dependencies": "Dependencies",
}


# ----------------------------------------------------------------------------- drafting


@dataclass(frozen=True)
class PlanDraftResult:
    """What :func:`draft_plan` did."""

    created: int
    refreshed: int
    priorities: int

    def summary(self) -> str:
        return (f"Plan: {self.created} new line(s), {self.refreshed} existing line(s) kept (baselines refreshed), "
                f"from {self.priorities} agreed priorities.")


def draft_plan(session: Session, region: str = DEFAULT_REGION, start: date | None = None, seed: int = 0,
               by: str | None = None) -> PlanDraftResult:
    """Draft plan lines for the agreed priorities of ``region`` (see the module notes).

    Examples
    --------
    >>> draft_plan(session, start=date(2026, 4, 1)).summary()  # doctest: +SKIP
    """
    from lpip.synthesis.partners import suggest_partners
    from lpip.synthesis.register import assess_priorities

    priorities = select_priorities(session, area=region, statuses=("agreed",))
    if not priorities:
        return PlanDraftResult(0, 0, 0)
    start = start or _next_month(date.today())
    assessment = assess_priorities(session, priorities, seed=seed)
    partners = suggest_partners(session, priorities, assessment.support, assessment.mapping)
    targets = _line_targets(session, priorities, assessment.support)
    baselines = _baselines(session, targets)
    created = refreshed = 0
    for priority in priorities:
        triage = assessment.triage[priority.id]
        mine = partners[partners["priority_id"] == priority.id]
        for indicator_id, area in targets[priority.id]:
            line = _existing(session, priority.id, indicator_id, area)
            baseline = baselines.get((indicator_id, area), {})
            if line is None:
                line = _new_line(priority, triage, indicator_id, area, baseline, mine, start, assessment)
                session.add(line)
                created += 1
            else:
                refreshed += 1
            _set_baseline(line, baseline)
    session.flush()
    return PlanDraftResult(created, refreshed, len(priorities))


def _next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def _add_months(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, 1)


def _line_targets(session: Session, priorities: list[Priority], support: pd.DataFrame) -> dict[int, list]:
    links = links_of(session, [p.id for p in priorities])
    areas = dict(zip(support["priority_id"], support["area_codes"]))
    targets = {}
    for priority in priorities:
        mine = links[links["priority_id"] == priority.id]
        pairs = []
        for link in mine.itertuples(index=False):
            places = areas.get(priority.id, []) if link.area_code is None or pd.isna(link.area_code) else [link.area_code]
            pairs += [(link.indicator_id, place) for place in places]
        targets[priority.id] = list(dict.fromkeys(pairs)) or [(None, (areas.get(priority.id) or [None])[0])]
    return targets


def _baselines(session: Session, targets: dict[int, list]) -> dict[tuple, dict]:
    pairs = {pair for lines in targets.values() for pair in lines if pair[0] is not None}
    if not pairs:
        return {}
    rows = comparison_rows(session, sorted({i for i, _a in pairs}), sorted({a for _i, a in pairs}))
    found = {}
    for row in rows.to_dict("records"):
        key = (row["indicator_id"], row["area_code"])
        if key in pairs:
            found[key] = row
    return found


def _existing(session: Session, priority_id: int, indicator_id: str | None, area: str | None) -> PlanLine | None:
    query = select(PlanLine).where(PlanLine.priority_id == priority_id).order_by(PlanLine.id)
    query = query.where(PlanLine.indicator_id.is_(None) if indicator_id is None else PlanLine.indicator_id == indicator_id)
    query = query.where(PlanLine.area_code.is_(None) if area is None else PlanLine.area_code == area)
    return session.scalars(query).first()


def _set_baseline(line: PlanLine, row: dict) -> None:
    value = row.get("value")
    line.baseline = None if value is None or pd.isna(value) else float(value)
    line.baseline_period = str(row.get("period") or "") if line.baseline is not None else ""
    if line.indicator_id is None:
        line.baseline_source = "no indicator linked (see the data-gap register)"
    elif line.baseline is None:
        line.baseline_source = f"no value for {line.area_code}: {row.get('note') or 'not in the database'}"
    else:
        line.baseline_source = str(row.get("source") or "")


def _new_line(priority: Priority, triage, indicator_id, area, baseline: dict, partners: pd.DataFrame, start: date,
              assessment) -> PlanLine:
    strand = STRAND_OF_KIND[triage.kind]
    end = _add_months(start, MONTHS[strand]) - timedelta(days=1)
    lead = partners.loc[partners["role"] == "lead", "organisation"]
    others = partners.loc[partners["role"] == "partner", "organisation"].tolist()
    title = priority.title
    place = area or "the region"
    measure = baseline.get("title") or indicator_id
    wicked = [t.text for t in triage.wicked_terms if t.holds]
    support = assessment.support_row(priority.id)
    owners = list(dict.fromkeys(o for c in support.get("codes") or [] for o in assessment.mapping.for_code(c).owners))
    return PlanLine(
        priority_id=priority.id, line_key=f"{priority.id}:{indicator_id or '-'}@{area or '-'}", strand=strand,
        research_question=_question(strand, title, place),
        activity=_activity(strand, title, place, measure, lead.iloc[0] if len(lead) else None),
        lead=lead.iloc[0] if len(lead) else "", partners="; ".join(others),
        indicator_id=indicator_id, area_code=area, target=_target(baseline),
        target_period=str(end.year), start=start, end=end,
        risks="; ".join(t for t in wicked if t.startswith(("contested", "evidence is mixed", "no evidence"))),
        dependencies="; ".join(filter(None, [
            "a lead to be agreed" if not len(lead) else "",
            f"action by: {', '.join(owners)}" if owners else "",
            "data to measure progress (see the data-gap register)" if indicator_id is None else "",
        ])),
    )


def _question(strand: str, title: str, place: str) -> str:
    if strand == "research":
        return f"What drives '{title}' in {place}, and what would change it?"
    if strand == "scoping":
        return f"What would it take to act on '{title}' in {place}, and who should lead?"
    return ""


def _activity(strand: str, title: str, place: str, measure: str | None, lead: str | None) -> str:
    tracked = f"; track {measure}" if measure else ""
    if strand == "research":
        return (f"Research strand: review the evidence, link the data{tracked}, and co-produce fieldwork in {place} "
                "with the partners; report back to the partnership.")
    if strand == "action":
        return f"Action in {place}: {title}, led by {lead or 'a lead to be agreed'}{tracked}."
    return f"Scoping in {place}: map who acts on '{title}', what it would cost and what would show progress{tracked}."


def _target(baseline: dict) -> str:
    polarity, value = baseline.get("polarity"), baseline.get("value")
    shown = "" if value is None or pd.isna(value) else " " + format_number(value, baseline.get("unit"))
    if polarity == "lower is better":
        return f"lower than{shown}" if shown else "lower"
    if polarity == "higher is better":
        return f"higher than{shown}" if shown else "higher"
    return ""


# ----------------------------------------------------------------------------- the plan as a table


def plan_lines(session: Session) -> pd.DataFrame:
    """Every plan line of the priorities in the register (:func:`~lpip.synthesis.priorities.list_priorities`:
    candidate and agreed), in :data:`PLAN_COLUMNS`, as ``lpip plan export`` writes them. The deposit's
    ``--with-programme`` reads this function (and anonymises the text columns).

    Examples
    --------
    >>> plan_lines(session).columns.tolist()[:3]  # doctest: +SKIP
    ['line_id', 'priority_id', 'strand']
    """
    listed = [p.id for p in select_priorities(session, statuses=LISTED_STATUSES)]
    return plan_table(session, priority_ids=listed)


def plan_table(session: Session, region: str | None = None, priority_ids: list[int] | None = None) -> pd.DataFrame:
    """The plan lines (:data:`PLAN_COLUMNS`), by priority and line, for a region or priorities."""
    query = select(PlanLine).order_by(PlanLine.priority_id, PlanLine.id)
    if priority_ids is not None:
        query = query.where(PlanLine.priority_id.in_(priority_ids))
    elif region is not None:
        query = query.where(PlanLine.priority_id.in_([p.id for p in select_priorities(
            session, area=region, statuses=("candidate", "agreed", "dropped"))]))
    rows = [dict(line_id=line.id, priority_id=line.priority_id, strand=line.strand,
                 research_question=line.research_question, activity=line.activity, lead=line.lead,
                 partners=line.partners, indicator=line.indicator_id or "", area_code=line.area_code or "",
                 baseline=line.baseline, baseline_period=line.baseline_period, baseline_source=line.baseline_source,
                 target=line.target, target_period=line.target_period,
                 start=line.start.isoformat() if line.start else "", end=line.end.isoformat() if line.end else "",
                 risks=line.risks, dependencies=line.dependencies) for line in session.scalars(query)]
    return pd.DataFrame(rows, columns=PLAN_COLUMNS).astype({"baseline": "Float64"})


def write_plan(session: Session, fmt: str, out: str | Path, region: str = DEFAULT_REGION,
               gaps: pd.DataFrame | None = None) -> Path:
    """Write the plan as CSV, XLSX (plan, data-gap register and notes sheets; the plan sheet is
    the one :func:`import_plan` reads back) or JSON. Partners' contacts are never included."""
    out = Path(out)
    if fmt not in ("csv", "xlsx", "json"):
        raise InvalidExport(f"Plan format {fmt!r}: write csv, xlsx or json here (html and pdf are the programme document).")
    if not out.parent.is_dir():
        raise InvalidExport(f"{out}: the folder {out.parent} does not exist; create it or choose another path.")
    table = plan_table(session, region=region)
    gaps = gaps if gaps is not None else pd.DataFrame()
    if fmt == "csv":
        write_csv(table, out)
    elif fmt == "xlsx":
        write_xlsx({"plan": table, "data gaps": gaps, "notes": _notes_sheet()}, out)
    else:
        records = json.loads(table.to_json(orient="records", force_ascii=False))
        out.write_text(json.dumps({"plan": records, "data_gaps": json.loads(gaps.to_json(orient="records", force_ascii=False))
                                   if not gaps.empty else []}, indent=2, ensure_ascii=False), encoding="utf-8")
    return out


def _notes_sheet() -> pd.DataFrame:
    rows = [(COLUMN_NAMES[c], c, "edit" if c in EDITABLE else "from the database: do not edit"
             if c in FROM_DATABASE else "identifies the line: do not edit") for c in PLAN_COLUMNS]
    return pd.DataFrame(rows, columns=["column", "name in the file", "who fills it"])


# ----------------------------------------------------------------------------- import


@dataclass(frozen=True)
class PlanImportResult:
    """What :func:`import_plan` changed."""

    lines: int
    changed: int

    def summary(self) -> str:
        return f"Read {self.lines} plan line(s); {self.changed} changed."


def import_plan(session: Session, path: str | Path, by: str | None = None) -> PlanImportResult:
    """Read an edited plan (CSV, or XLSX whose first sheet is the plan) back; all lines or none.

    Raises
    ------
    InvalidPlanFile
        Listing every problem with its row and column; nothing is changed.

    Examples
    --------
    >>> import_plan(session, "plan.xlsx").summary()  # doctest: +SKIP
    """
    sheet = read_sheet(path, InvalidPlanFile)
    sheet.check_columns(("line_id", *EDITABLE), tuple(c for c in PLAN_COLUMNS if c not in EDITABLE and c != "line_id"))
    sheet.raise_if_any()
    lines = {line.id: line for line in session.scalars(select(PlanLine))}
    seen: dict[int, int] = {}
    changes = []
    for number, cells in sheet.rows:
        line = _line_of(cells.get("line_id", ""), lines, seen, number, sheet)
        if line is None:
            continue
        _check_from_database(cells, line, number, sheet)
        changes.append((line, _edited_values(cells, number, sheet)))
    sheet.raise_if_any()
    changed = 0
    for line, values in changes:
        if any(getattr(line, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(line, key, value)
            line.edited_by, line.edited_at = by, utcnow()
            changed += 1
    session.flush()
    return PlanImportResult(len(changes), changed)


def _line_of(text: str, lines: dict, seen: dict, number: int, sheet) -> PlanLine | None:
    value = parse_number(text) if text else None
    if value is None or not value.is_integer():
        sheet.problem(f"{text!r} is not a plan line number; keep the line_id column as exported", number, "line_id")
        return None
    line_id = int(value)
    if line_id not in lines:
        sheet.problem(f"there is no plan line {line_id}; keep the line_id column as exported (add lines with "
                      "`lpip plan draft`)", number, "line_id")
        return None
    if line_id in seen:
        sheet.problem(f"line {line_id} is also in row {seen[line_id]}; each line once", number, "line_id")
        return None
    seen[line_id] = number
    return lines[line_id]


def _check_from_database(cells: dict, line: PlanLine, number: int, sheet) -> None:
    """Columns that come from the database must be as exported (or left out of the file)."""
    expected = dict(priority_id=str(line.priority_id), indicator=line.indicator_id or "", area_code=line.area_code or "",
                    baseline_period=line.baseline_period, baseline_source=line.baseline_source)
    for column, value in expected.items():
        if column in cells and cells[column] != value:
            sheet.problem(f"{column} is {cells[column]!r} but the database has {value!r}; it comes from the database "
                          "and cannot be edited here: put it back as exported", number, column)
    if "baseline" in cells:
        _check_baseline(cells["baseline"], line.baseline, number, sheet)


def _check_baseline(text: str, stored: float | None, number: int, sheet) -> None:
    if not text and stored is None:
        return
    value = parse_number(text) if text else None
    if text and value is None:
        kind = "not a finite number" if looks_numeric(text) else "not a number"
        sheet.problem(f"baseline {text!r} is {kind}; the baseline comes from the database ({_shown(stored)}): "
                      "put it back as exported", number, "baseline")
        return
    same = value is not None and stored is not None and np.isclose(value, stored, rtol=BASELINE_TOLERANCE, atol=1e-9)
    if not same:
        sheet.problem(f"baseline {text or '(empty)'} differs from the database's {_shown(stored)}; baselines are read "
                      "from the database, never typed: put it back as exported", number, "baseline")


def _shown(value: float | None) -> str:
    return "no value" if value is None else repr(value)


def _edited_values(cells: dict, number: int, sheet) -> dict:
    values = {}
    for column, limit in TEXT_LIMITS.items():
        text = cells.get(column, "")
        if len(text) > limit:
            sheet.problem(f"the text is {len(text)} characters long; the limit is {limit}", number, column)
        values[column] = text[:limit]
    if values["target"] and looks_numeric(values["target"]) and parse_number(values["target"]) is None:
        sheet.problem(f"target {values['target']!r} is not a finite number; write a number or a direction such as "
                      "'lower than 25'", number, "target")
    strand = cells.get("strand", "").lower()
    if strand not in STRANDS:
        sheet.problem(f"strand {cells.get('strand', '')!r} is not one of {', '.join(STRANDS)}", number, "strand")
    values["strand"] = strand
    values["start"], values["end"] = (_date(cells.get(c, ""), c, number, sheet) for c in ("start", "end"))
    if values["start"] and values["end"] and values["end"] < values["start"]:
        sheet.problem(f"the end ({values['end']}) is before the start ({values['start']}); correct one of them",
                      number, "end")
    return {k: (clean_text(v) if isinstance(v, str) else v) for k, v in values.items()}


def _date(text: str, column: str, number: int, sheet) -> date | None:
    if not text:
        return None
    # An XLSX date cell reads as "2026-04-01" (or with a time, "2026-04-01T09:00:00").
    try:
        return datetime.fromisoformat(text).date() if "T" in text else date.fromisoformat(text)
    except ValueError:
        sheet.problem(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-04-01", number, column)
        return None
