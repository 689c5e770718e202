"""The workshop report as data: a one-page summary, then who came, what was said, what people
voted for, opinion groups, networks and the evidence behind the workshop.

One report per workshop, or per sub-region (every workshop whose ``subregion_code`` is the
sub-region); :mod:`lpip.reports.workshop` writes it as a self-contained HTML file or a PDF. This
module is analysis only: it gathers numbers, tables and graphs, and never alters what people
wrote. The rendering layer anonymises every quote (names, emails and phone numbers written into a
note) and draws the figures.

Every table has plain column names (no code names), and the columns that hold people's own words
are listed in :data:`WORDS_COLUMNS`, for the rendering layer to anonymise. The report never names
anyone: who came is counted by sector; quotes carry no attribution; people and organisations in
the networks are ``P01``... and ``O01``...

Each part that cannot be computed says why in the report rather than stopping it: no
contributions, too few to find themes, a conversation too small to cluster, no relationships.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.errors import ConversationTooSmall, InvalidVotes, NoData, TooFewDocuments
from lpip.workshops.models import SECTORS, Attendee, Participant, Workshop
from lpip.workshops.workshops import get_workshop

# Columns whose cells are people's own words: anonymised when the report is rendered.
WORDS_COLUMNS = ("Statement", "Quote", "Priority", "What was written")
TOP_PRIORITIES = 5
CONSENSUS_POINTS = 3


@dataclass
class Section:
    """A part of the report: notes (sentences), numbers, tables (plain column names) and graphs."""

    notes: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    graphs: dict[str, object] = field(default_factory=dict)
    numbers: dict[str, object] = field(default_factory=dict)


@dataclass
class GroupSummary:
    """One opinion group in a sentence: who is in it and what sets it apart.

    ``agreed`` and ``disagreed`` are (statement text, votes for, votes seen) of the statement the
    group agreed (disagreed) with more than the rest of the room, or None.
    """

    workshop: str
    label: str
    people: int
    sectors: str
    agreed: tuple[str, int, int] | None
    disagreed: tuple[str, int, int] | None


@dataclass
class Summary:
    """The first page: who came, top priorities, opinion groups, points of consensus, themes."""

    who_came: str
    by_sector: pd.DataFrame
    priorities: pd.DataFrame
    groups: list[GroupSummary]
    group_notes: list[str]
    consensus: pd.DataFrame
    themes: str


@dataclass
class WorkshopReport:
    """Everything the report says, ready for the template.

    Attributes
    ----------
    title : str
    scope : str
        "workshop" or "sub-region".
    workshops : DataFrame
        ``Workshop, Title, Date, Venue, Sub-region`` of the workshops covered.
    workshop_ids : list of int
    subregions : dict
        Sub-region code -> name, for the links to their data packs.
    summary : Summary
    who_came, what_was_said, votes, theme_network : Section
    opinions, networks : dict[str, Section]
        One section per workshop (opinion groups and networks of people are per event).
    demo : bool
        True when any workshop covered is a demonstration with made-up data.
    """

    title: str
    scope: str
    workshops: pd.DataFrame
    workshop_ids: list[int]
    subregions: dict[str, str]
    summary: Summary
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
    >>> report.summary.who_came  # doctest: +SKIP
    """
    workshops, scope, title = workshops_in_scope(session, target)
    ids = [w.id for w in workshops]
    came = who_came(session, ids)
    said, themes = what_was_said(session, ids, seed)
    votes = votes_section(session, ids)
    opinions = {_name(w): opinion_groups(session, w.id) for w in workshops}
    return WorkshopReport(
        title=title, scope=scope, workshops=_workshop_table(workshops), workshop_ids=ids,
        subregions={w.subregion_code: _area_name(session, w.subregion_code) for w in workshops if w.subregion_code},
        summary=summarise(came, votes, opinions, themes), who_came=came.section, what_was_said=said, votes=votes,
        opinions={name: result.section for name, result in opinions.items()},
        networks={_name(w): network_section(session, w.id) for w in workshops},
        theme_network=theme_network_section(session, ids), demo=any(w.is_demo for w in workshops),
    )


def _name(workshop: Workshop) -> str:
    return f"Workshop {workshop.id}: {workshop.title}"


def _workshop_table(workshops: list[Workshop]) -> pd.DataFrame:
    return pd.DataFrame([{"Workshop": w.id, "Title": w.title, "Date": w.date.isoformat() if w.date else "",
                          "Venue": w.venue or "", "Sub-region": w.subregion_code or ""} for w in workshops])


# ----------------------------------------------------------------------------- who came


@dataclass
class _Came:
    section: Section
    registered: int
    joined: int


def who_came(session: Session, workshop_ids: list[int]) -> _Came:
    """Attendees and phone participants counted by sector (never by name)."""
    registered = dict(session.execute(select(Attendee.sector, func.count()).where(
        Attendee.workshop_id.in_(workshop_ids)).group_by(Attendee.sector)).all())
    joined = dict(session.execute(select(Participant.sector, func.count()).where(
        Participant.workshop_id.in_(workshop_ids)).group_by(Participant.sector)).all())
    sectors = list(SECTORS) + sorted({str(s) for s in (*registered, *joined) if s and s not in SECTORS})
    rows = [{"Sector": s, "Registered attendees": registered.get(s, 0), "Joined on a phone": joined.get(s, 0)}
            for s in sectors]
    rows.append({"Sector": "not given", "Registered attendees": registered.get(None, 0),
                 "Joined on a phone": joined.get(None, 0)})
    table = pd.DataFrame(rows)
    table = table[(table.iloc[:, 1:] > 0).any(axis=1) | table["Sector"].isin(SECTORS)]
    total = {"Sector": "all", "Registered attendees": int(table["Registered attendees"].sum()),
             "Joined on a phone": int(table["Joined on a phone"].sum())}
    section = Section(tables={"By sector": pd.concat([table, pd.DataFrame([total])], ignore_index=True)})
    if not total["Registered attendees"] and not total["Joined on a phone"]:
        section.notes.append("Nobody was registered and nobody joined on a phone.")
    return _Came(section, total["Registered attendees"], total["Joined on a phone"])


# ----------------------------------------------------------------------------- what was said


def what_was_said(session: Session, workshop_ids: list[int], seed: int = 0):
    """Themes found in the notes and statements, each with its top words and quotes.

    The themes are :func:`lpip.deliberation.themes.workshop_themes`, the call `lpip coding themes
    --workshop` makes too, so both find the same themes. Returns the section and the themes (or None).
    """
    from lpip.deliberation.coding import load_contributions
    from lpip.deliberation.themes import THEME_KINDS, workshop_themes

    contributions = pd.concat([load_contributions(session, w, kinds=THEME_KINDS) for w in workshop_ids],
                              ignore_index=True)
    section = Section(numbers={"Notes and statements": len(contributions)})
    if contributions.empty:
        section.notes.append("No contributions (notes or statements) were recorded, so there are no themes to report.")
        return section, None
    try:
        themes = workshop_themes(session, workshop_ids, seed=seed)
    except TooFewDocuments as exc:
        section.notes.append(f"Themes were not found: {exc} All contributions are listed instead.")
        written = contributions["text"].drop_duplicates()
        section.tables["Contributions"] = pd.DataFrame({"What was written": written.to_numpy()})
        return section, None
    section.notes.append(themes.choice)
    topics = themes.topics
    section.tables["Themes"] = pd.DataFrame({
        "Theme": topics["topic"], "Top words": topics["terms"], "Contributions": topics["contributions"],
        "Share (%)": (topics["share"] * 100).round(1)})
    quotes = themes.quotes.merge(topics[["topic", "label"]], on="topic")
    section.tables["Quotes"] = pd.DataFrame({"Theme": quotes["topic"].astype(str) + ": " + quotes["label"],
                                             "Quote": quotes["text"]})
    section.numbers["Themes"] = themes.n_topics
    return section, themes


# ----------------------------------------------------------------------------- votes


def votes_section(session: Session, workshop_ids: list[int]) -> Section:
    """Dots per priority and votes per statement."""
    from lpip.workshops.tallies import priority_dots, statement_tallies

    section = Section()
    dots = priority_dots(session, workshop_ids)
    if dots.empty:
        section.notes.append("No priorities were put to a dot vote.")
    else:
        section.tables["Dots per priority"] = pd.DataFrame({
            "Workshop": dots["workshop_id"], "Priority": dots["text"], "Dots": dots["dots"], "People": dots["people"]})
    tallies = statement_tallies(session, workshop_ids).sort_values(["agree", "contribution_id"],
                                                                   ascending=[False, True], kind="stable")
    if tallies.empty:
        section.notes.append("No statements were put to a vote.")
    else:
        section.tables["Votes on statements"] = pd.DataFrame({
            "Workshop": tallies["workshop_id"], "Statement": tallies["text"], "Agree": tallies["agree"],
            "Disagree": tallies["disagree"], "Pass": tallies["pass"], "Votes": tallies["votes"],
            "Agree (%)": (100 * tallies["agree_share"]).round(0)}).reset_index(drop=True)
    return section


# ----------------------------------------------------------------------------- opinion groups


@dataclass
class _Opinions:
    section: Section
    result: object | None  # OpinionGroups


def opinion_groups(session: Session, workshop_id: int) -> _Opinions:
    """Opinion groups, what sets each apart and consensus, or why there are none."""
    from lpip.deliberation.opinions import find_opinion_groups
    from lpip.deliberation.votes import workshop_votes

    votes, statements, sectors = workshop_votes(session, workshop_id)
    section = Section()
    if votes.empty:
        section.notes.append("No votes on statements were cast, so there are no opinion groups.")
        return _Opinions(section, None)
    try:
        result = find_opinion_groups(votes, statements, sectors=sectors, bootstraps=0)
    except (ConversationTooSmall, InvalidVotes) as exc:
        section.notes.append(f"Opinion groups could not be found: {exc}")
        return _Opinions(section, None)
    label = _labels(result.groups["group"])
    section.numbers.update({"Opinion groups": result.n_groups,
                            "People grouped": int(result.participants["included"].sum()),
                            "People who voted": len(result.participants)})
    groups = result.groups
    section.tables["Groups"] = pd.DataFrame({
        "Group": groups["group"].map(label), "People": groups["participants"],
        "Share (%)": (groups["share"] * 100).round(1),
        "Sectors": groups["sector_mix"] if "sector_mix" in groups else ""})
    rep = result.representative
    if not rep.empty:
        section.tables["What sets each group apart"] = pd.DataFrame({
            "Group": rep["group"].map(label), "Statement": rep["text"],
            "How the group voted": [f"{s} of {n} {'agreed' if w == 'agree' else 'disagreed'}"
                                    for s, n, w in zip(rep["n_success"], rep["n_trials"], rep["repful_for"])],
            "Compared with the rest": [f"{r:.1f} times as likely" for r in rep["repness"]]})
    agreed = consensus_points(result)
    if not agreed.empty:
        section.tables["Agreed across every group"] = agreed
    majority = result.consensus
    if not majority.empty:
        section.tables["Clear majorities of everyone who voted"] = pd.DataFrame({
            "Statement": majority["text"],
            "Most people": majority["direction"].map({"agree": "agreed", "disagree": "disagreed"}),
            "Votes": [f"{s} of {n}" for s, n in zip(majority["n_success"], majority["n_trials"])]})
    return _Opinions(section, result)


def _labels(groups: pd.Series) -> dict:
    return {g: string.ascii_uppercase[i] if i < 26 else str(i + 1) for i, g in enumerate(sorted(groups))}


def consensus_points(result, n: int = CONSENSUS_POINTS) -> pd.DataFrame:
    """Statements a majority of every opinion group agreed with, by group-informed consensus.

    Returns ``Statement`` and ``Agreed in every group`` (the smallest share agreeing in any group).
    """
    table = result.group_consensus[~result.group_consensus["moderated_out"]]
    shares = table.filter(like="p_agree_")
    every = table[(shares > 0.5).all(axis=1)].head(n)
    lowest = shares.loc[every.index].min(axis=1)
    return pd.DataFrame({"Statement": every["text"].to_numpy(),
                         "Agreed in every group": [f"at least {v:.0%}" for v in lowest]})


def _group_summaries(name: str, result) -> list[GroupSummary]:
    label = _labels(result.groups["group"])
    rep = result.representative
    summaries = []
    for row in result.groups.itertuples(index=False):
        mine = rep[rep["group"] == row.group]
        summaries.append(GroupSummary(
            workshop=name, label=label[row.group], people=int(row.participants),
            sectors=getattr(row, "sector_mix", "") or "",
            agreed=_first(mine, "agree"), disagreed=_first(mine, "disagree")))
    return summaries


def _first(rows: pd.DataFrame, way: str) -> tuple[str, int, int] | None:
    rows = rows[rows["repful_for"] == way]
    if rows.empty:
        return None
    top = rows.iloc[0]
    return str(top["text"]), int(top["n_success"]), int(top["n_trials"])


# ----------------------------------------------------------------------------- the summary


def summarise(came: _Came, votes: Section, opinions: dict[str, _Opinions], themes) -> Summary:
    """The first page, from the sections' results."""
    by_sector = came.section.tables["By sector"]
    counted = by_sector[(by_sector["Sector"] != "all") & (by_sector["Registered attendees"] > 0)]
    who = (f"{came.registered} registered attendees"
           + (f" ({', '.join(f'{s} {n}' for s, n in zip(counted['Sector'], counted['Registered attendees']))})"
              if len(counted) else "")
           + f"; {came.joined} people joined on a phone.")
    dots = votes.tables.get("Dots per priority")
    priorities = (dots.head(TOP_PRIORITIES)[["Priority", "Dots", "People"]].reset_index(drop=True)
                  if dots is not None else pd.DataFrame(columns=["Priority", "Dots", "People"]))
    groups, notes, consensus = [], [], []
    for name, found in opinions.items():
        if found.result is None:
            notes.extend(f"{name}: {note}" for note in found.section.notes)
            continue
        groups.extend(_group_summaries(name, found.result))
        points = consensus_points(found.result)
        consensus.append(points.assign(Workshop=name))
    consensus_table = (pd.concat(consensus, ignore_index=True) if consensus
                       else pd.DataFrame(columns=["Statement", "Agreed in every group", "Workshop"]))
    theme_line = themes.choice if themes is not None else "No themes were found (see What was said)."
    return Summary(who_came=who, by_sector=by_sector, priorities=priorities, groups=groups, group_notes=notes,
                   consensus=consensus_table, themes=theme_line)


# ----------------------------------------------------------------------------- networks


NETWORK_NUMBERS = {
    "people": "People", "prior_ties": "Pairs who knew each other before", "follow_ups": "Pairs with a follow-up wish",
    "new_connections": "New connections (a follow-up wish, not known before)",
    "cross_sector_relationships": "Relationships across sectors",
    "sector_assortativity": "Sector mixing (1 = within sectors, 0 = as by chance, below 0 = more mixing)",
    "designed_contact_pairs": "Designed contact: pairs the table plan seated together",
    "follow_ups_after_designed_contact": "Follow-up wishes between people the plan seated together",
}


def network_section(session: Session, workshop_id: int) -> Section:
    """The network of people: relationships, brokers, and the seating plan as designed contact."""
    from lpip.deliberation.networks import workshop_actor_network

    result = workshop_actor_network(session, workshop_id)
    summary = result.measures.summary
    section = Section()
    for key, name in NETWORK_NUMBERS.items():
        value = summary[key]
        if value is None:
            value = summary["new_connections_note"]
        elif isinstance(value, float):
            value = "not defined" if value != value else f"{value:.2f}"
        section.numbers[name] = value
    if summary["unnamed_follow_ups"]:
        section.notes.append(f"{summary['unnamed_follow_ups']} follow-up wish(es) came from people who did not say "
                             "who they are: counted here, not drawn.")
    if summary["bridging_note"]:
        section.notes.append(f"Bridging people are not measured: {summary['bridging_note']}.")
    else:
        people = result.measures.people.head(5)
        section.tables["People who bridge the most"] = pd.DataFrame({
            "Person": people["person"], "Sector": people["sector"], "Organisation": people["organisation"],
            "Relationships": people["relationships"], "Across sectors": people["cross_sector_relationships"],
            "Brokerage (betweenness)": people["betweenness"].round(3)})
    if result.graph.number_of_nodes():
        section.graphs["Who is connected to whom"] = result.graph
    else:
        section.notes.append("No attendees are registered for this workshop.")
    return section


def theme_network_section(session: Session, workshop_ids: list[int]) -> Section:
    """Themes raised together: clusters and the wickedness indicator."""
    from lpip.deliberation.theme_network import workshop_theme_network

    graph, measures = workshop_theme_network(session, workshop_ids)
    section = Section()
    if graph.number_of_nodes() == 0:
        section.notes.append("No contribution was coded with a theme, so there is no theme network.")
        return section
    section.tables["Themes raised together"] = pd.DataFrame({
        "Theme": measures["theme"], "Contributions": measures["contributions"],
        "Raised with (themes)": measures["degree"], "Sectors raising it": measures["sectors"],
        "Cluster": measures["community"], "Interconnection": measures["interconnection"].round(2),
        "Sector reach": measures["sector_reach"].round(2), "Wickedness": measures["wickedness"].round(2),
        "Kind": measures["kind"]})
    section.graphs["Themes raised together"] = graph
    return section
