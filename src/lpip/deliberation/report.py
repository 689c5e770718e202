"""The workshop report as data: who came, what was said, what people voted for, opinion
groups, networks.

One report per workshop, or per sub-region (every workshop whose ``subregion_code`` is the
sub-region); :mod:`lpip.reports.workshop` writes it as a self-contained HTML file (figures
embedded as data URIs) or a PDF. The report never names anyone:

- who came is counted by sector (registered attendees, and people who joined on a phone);
- quotes carry no attribution; the text is returned as written, and the rendering layer
  (:mod:`lpip.reports.workshop`) anonymises everything it prints with the one anonymiser,
  :mod:`lpip.archive.anonymise`;
- the networks show people as ``P01``... and organisations as ``O01``...

Each part that cannot be computed says why in the report rather than stopping it: no
contributions, too few to find themes, a conversation too small to cluster, no table plan.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.errors import ConversationTooSmall, InvalidVotes, NoData, TooFewDocuments
from lpip.workshops.models import SECTORS, Attendee, Participant, Workshop
from lpip.workshops.workshops import get_workshop



@dataclass
class Section:
    """A part of the report: tables (DataFrames), figures (data URIs) and notes (sentences)."""

    notes: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, object] = field(default_factory=dict)


@dataclass
class WorkshopReport:
    """Everything the report says, ready for the template.

    Attributes
    ----------
    title : str
    scope : str
        "workshop" or "sub-region".
    workshops : DataFrame
        ``workshop, title, date, venue`` of the workshops covered.
    who_came, what_was_said, votes, theme_network : Section
    opinions, networks : dict[str, Section]
        One section per workshop (opinion groups and actor networks are per event).
    demo : bool
        True when any workshop covered is a demonstration with made-up data.
    """

    title: str
    scope: str
    workshops: pd.DataFrame
    who_came: Section
    what_was_said: Section
    votes: Section
    opinions: dict[str, Section]
    networks: dict[str, Section]
    theme_network: Section
    demo: bool


def workshops_in_scope(session: Session, target: str | int) -> tuple[list[Workshop], str, str]:
    """The workshops a report covers: one workshop (an id) or a sub-region's (an area code).

    Returns the workshops, the scope ("workshop" or "sub-region") and a title.
    """
    text = str(target).strip()
    if text.isdigit():
        workshop = get_workshop(session, int(text))
        return [workshop], "workshop", workshop.title
    workshops = session.scalars(select(Workshop).where(Workshop.subregion_code == text).order_by(Workshop.id)).all()
    if not workshops:
        raise NoData(f"{text!r} is neither a workshop id nor a sub-region with workshops: give a workshop id "
                     "or the code of a sub-region some workshop is in (see `lpip workshops list`).")
    return list(workshops), "sub-region", f"Workshops in {_area_name(session, text)}"


def _area_name(session: Session, code: str) -> str:
    from lpip.geography.models import Area

    name = session.scalar(select(Area.name).where(Area.code == code))
    return f"{name} ({code})" if name else code


def build_report(session: Session, target: str | int, seed: int = 0) -> WorkshopReport:
    """Gather what the report says for a workshop id or a sub-region code.

    Examples
    --------
    >>> report = build_report(session, 1)  # doctest: +SKIP
    >>> report.who_came.tables["By sector"]  # doctest: +SKIP
    """
    workshops, scope, title = workshops_in_scope(session, target)
    ids = [w.id for w in workshops]
    contributions = _contributions(session, workshops)
    return WorkshopReport(
        title=title, scope=scope, workshops=_workshop_table(workshops),
        who_came=who_came(session, ids), what_was_said=what_was_said(contributions, seed),
        votes=votes_section(session, ids),
        opinions={_name(w): opinions_section(session, w.id, seed) for w in workshops},
        networks={_name(w): network_section(session, w.id, seed) for w in workshops},
        theme_network=theme_network_section(session, ids, seed), demo=any(w.is_demo for w in workshops),
    )


def _name(workshop: Workshop) -> str:
    return f"Workshop {workshop.id}: {workshop.title}"


def _workshop_table(workshops: list[Workshop]) -> pd.DataFrame:
    return pd.DataFrame([{"workshop": w.id, "title": w.title, "date": w.date.isoformat() if w.date else "",
                          "venue": w.venue or "", "sub-region": w.subregion_code or ""} for w in workshops])


# ----------------------------------------------------------------------------- who came


def who_came(session: Session, workshop_ids: list[int]) -> Section:
    """Attendees and phone participants counted by sector (never by name)."""
    registered = dict(session.execute(select(Attendee.sector, func.count()).where(
        Attendee.workshop_id.in_(workshop_ids)).group_by(Attendee.sector)).all())
    joined = dict(session.execute(select(Participant.sector, func.count()).where(
        Participant.workshop_id.in_(workshop_ids)).group_by(Participant.sector)).all())
    sectors = list(SECTORS) + sorted({str(s) for s in (*registered, *joined) if s and s not in SECTORS})
    rows = [{"sector": s, "registered attendees": registered.get(s, 0), "joined on a phone": joined.get(s, 0)}
            for s in sectors]
    rows.append({"sector": "not given", "registered attendees": registered.get(None, 0),
                 "joined on a phone": joined.get(None, 0)})
    table = pd.DataFrame(rows)
    table = table[(table.iloc[:, 1:] > 0).any(axis=1) | table["sector"].isin(SECTORS)]
    total = {"sector": "all", "registered attendees": int(table["registered attendees"].sum()),
             "joined on a phone": int(table["joined on a phone"].sum())}
    section = Section(tables={"By sector": pd.concat([table, pd.DataFrame([total])], ignore_index=True)})
    if not total["registered attendees"] and not total["joined on a phone"]:
        section.notes.append("Nobody was registered and nobody joined on a phone.")
    return section


# ----------------------------------------------------------------------------- what was said


def _contributions(session: Session, workshops: list[Workshop]) -> pd.DataFrame:
    from lpip.deliberation.coding import load_contributions

    frames = [load_contributions(session, workshop.id, kinds=("note", "statement")) for workshop in workshops]
    return pd.concat(frames, ignore_index=True)


def what_was_said(contributions: pd.DataFrame, seed: int = 0) -> Section:
    """Themes found in the notes and statements, each with its top terms and quotes."""
    from lpip.deliberation.themes import find_themes

    section = Section(numbers={"contributions": len(contributions)})
    if contributions.empty:
        section.notes.append("No contributions (notes or statements) were recorded, so there are no themes to report.")
        return section
    try:
        themes = find_themes(contributions, seed=seed)
    except TooFewDocuments as exc:
        section.notes.append(f"Themes were not found: {exc} All contributions are listed instead.")
        section.tables["Contributions"] = contributions[["text"]].rename(columns={"text": "what was written"})
        return section
    section.tables["Themes"] = themes.topics[["topic", "label", "terms", "contributions", "share"]].assign(
        share=lambda t: (t["share"] * 100).round(1))
    quotes = themes.quotes.merge(themes.topics[["topic", "label"]], on="topic")
    section.tables["Quotes"] = quotes[["topic", "label", "text"]].rename(columns={"text": "quote"})
    section.numbers["themes"] = themes.n_topics
    return section


# ----------------------------------------------------------------------------- votes


def votes_section(session: Session, workshop_ids: list[int]) -> Section:
    """Dots per priority and votes per statement."""
    from lpip.workshops.tallies import priority_dots

    section = Section()
    dots = priority_dots(session, workshop_ids).rename(columns={"workshop_id": "workshop", "text": "priority"})
    if dots.empty:
        section.notes.append("No priorities were put to a dot vote.")
    else:
        section.tables["Dots per priority"] = dots[["workshop", "priority", "dots", "people"]].sort_values(
            ["dots", "priority"], ascending=[False, True], ignore_index=True)
    statement_votes = _statement_votes(session, workshop_ids)
    if statement_votes.empty:
        section.notes.append("No statements were put to a vote.")
    else:
        section.tables["Votes on statements"] = statement_votes
    return section


def _statement_votes(session: Session, workshop_ids: list[int]) -> pd.DataFrame:
    from lpip.workshops.tallies import statement_tallies

    tallies = statement_tallies(session, workshop_ids)
    counts = tallies.rename(columns={"workshop_id": "workshop", "text": "statement"})
    counts["agree %"] = (100 * counts["agree_share"]).round(0)
    counts = counts.sort_values(["agree", "contribution_id"], ascending=[False, True])
    return counts[["workshop", "statement", "agree", "disagree", "pass", "votes", "agree %"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- opinion groups


def opinions_section(session: Session, workshop_id: int, seed: int = 0) -> Section:
    """Opinion groups, representative statements and consensus, or why there are none."""
    from lpip.deliberation.opinions import find_opinion_groups
    from lpip.deliberation.votes import workshop_votes

    votes, statements, sectors = workshop_votes(session, workshop_id)
    section = Section()
    if votes.empty:
        section.notes.append("No votes on statements were cast, so there are no opinion groups.")
        return section
    votes["timestamp"] = pd.to_datetime(votes["timestamp"], utc=True).astype("int64")
    try:
        result = find_opinion_groups(votes, statements, sectors=sectors, seed=seed)
    except (ConversationTooSmall, InvalidVotes) as exc:
        section.notes.append(f"Opinion groups could not be found: {exc}")
        return section
    section.numbers.update(groups=result.n_groups, clustered=int(result.participants["included"].sum()),
                           participants=len(result.participants), stability=round(result.mean_stability, 2))
    section.tables["Groups"] = result.groups.assign(share=lambda t: (t["share"] * 100).round(1))
    if result.sectors is not None and not result.sectors.empty:
        section.tables["Group members by sector"] = result.sectors.assign(share=lambda t: (t["share"] * 100).round(1))
    rep = result.representative
    if not rep.empty:
        section.tables["Representative statements"] = rep.assign(
            votes=[f"{s} of {n} {w}" for s, n, w in zip(rep["n_success"], rep["n_trials"], rep["repful_for"])]
        )[["group", "votes", "text"]]
    section.tables["Majority consensus"] = result.consensus[["direction", "p_success", "text"]].round(3)
    gic = result.group_consensus[~result.group_consensus["moderated_out"]].head(10)
    section.tables["Group-informed consensus (top 10)"] = gic[["group_informed_consensus", "text"]].round(3)
    return section


# ----------------------------------------------------------------------------- networks


def network_section(session: Session, workshop_id: int, seed: int = 0) -> Section:
    """The actor network's key numbers, bridging people and organisations, and its figure."""
    from lpip.deliberation.networks import workshop_actor_network

    section = Section()
    try:
        result = workshop_actor_network(session, workshop_id)
    except NoData as exc:
        section.notes.append(str(exc))
        return section
    summary = result.measures.summary
    section.numbers.update({
        "people": summary["people"], "pairs who met at a table": summary["ties_met"],
        "cross-sector ties": f"{summary['cross_sector_ties']} ({_percent(summary['cross_sector_share'])})",
        "sector mixing (assortativity; 0 = as by chance, below 0 = more mixing)": _round(summary["sector_assortativity"]),
        "new connections": summary["new_connections"] if summary["new_connections"] is not None
        else summary["new_connections_note"],
    })
    section.tables["Bridging people (betweenness)"] = result.measures.people.head(5).round(3)
    section.tables["Bridging organisations (betweenness)"] = result.measures.organisations.head(5).round(3)
    section.figures["Who sat with whom"] = _figure_uri(result.graph, seed, "People who shared a table (colour: sector)")
    return section


def theme_network_section(session: Session, workshop_ids: list[int], seed: int = 0) -> Section:
    """Themes raised together: communities and the wickedness indicator."""
    from lpip.deliberation.networks import workshop_theme_network

    graph, measures = workshop_theme_network(session, workshop_ids)
    section = Section()
    if graph.number_of_nodes() == 0:
        section.notes.append("No contribution was coded with a theme, so there is no theme network.")
        return section
    section.tables["Themes"] = measures.round(2)
    section.figures["Themes raised together"] = _figure_uri(graph, seed, "Themes coded on the same contributions")
    return section


def _figure_uri(graph, seed: int, title: str) -> str:
    import matplotlib.pyplot as plt

    from lpip.deliberation.networks import network_figure

    figure = network_figure(graph, seed=seed, title=title)
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _percent(value: float) -> str:
    return "n/a" if value != value else f"{value * 100:.0f}%"


def _round(value: float) -> str:
    return "not defined" if value != value else f"{value:.2f}"
