"""What each file of a deposit holds: one :class:`lpip.tabledesc.TableDescription` per CSV.

These descriptions are the single source of the ``datapackage.json`` Table Schemas, the DDI
``fileDscr``/``var`` elements and ``docs/data_dictionary.csv``; the layout (folders, file
and column names) is fixed so that archives and scripts can rely on it.
"""

from __future__ import annotations

from lpip.archive.disclosure import BROAD_SECTORS, SUPPRESSED
from lpip.tabledesc import Column, ForeignKey, TableDescription
from lpip.workshops.models import SECTORS

MISSING = ("",)
PARTICIPANT_MISSING = ("", SUPPRESSED)
SECTOR_VALUES = {**{s: s for s in SECTORS}, **{b: f"{b} (broad sector)" for b in sorted(set(BROAD_SECTORS.values()))
                                              if b not in SECTORS}}
VOTES = {"-1": "disagree", "0": "pass", "1": "agree"}

WORKSHOP_ID = Column("workshop_id", "integer", "Workshop", "Workshop number in this deposit (1, 2, ...).", required=True)
CONTRIBUTION_ID = Column("contribution_id", "string", "Contribution",
                         "Contribution number in this deposit (C00001 ...).", required=True)
PARTICIPANT_ID = Column("participant_id", "string", "Participant",
                        "Pseudonymous participant number in this deposit (P0001 ...); not linked to any name.",
                        required=True)


def _to_workshops() -> ForeignKey:
    return ForeignKey(("workshop_id",), "workshops", ("workshop_id",))


WORKSHOPS = TableDescription(
    "workshops", "Workshops", "One row per world-café workshop in the deposit.", path="data/workshops.csv",
    columns=(
        Column("workshop_id", "integer", "Workshop", "Workshop number in this deposit (1, 2, ...).", required=True, unique=True),
        Column("title", "string", "Title", "The workshop's title as the partnership named it (anonymised)."),
        Column("date", "date", "Date", "The day of the workshop."),
        Column("subregion_code", "string", "Sub-region code", "Code of the sub-region the workshop was for (lpip area code)."),
        Column("subregion_name", "string", "Sub-region", "Name of the sub-region."),
        Column("tables", "integer", "Tables", "Number of tables (conversation groups).", minimum=1),
        Column("rounds", "integer", "Rounds", "Number of world-café rounds.", minimum=0),
        Column("notes_consent", "boolean", "Notes collected under consent",
               "Whether the facilitator declared the table and paper notes collected under consent to archiving; "
               "notes are in the deposit only when true."),
        Column("participants", "integer", "Participants deposited", "Consenting people of this workshop in participants.csv.",
               minimum=0),
    ),
    primary_key=("workshop_id",),
)

ROUNDS = TableDescription(
    "rounds", "Rounds", "The world-café rounds: the question every table discussed and for how long.",
    path="data/rounds.csv",
    columns=(WORKSHOP_ID, Column("round", "integer", "Round", "Round number within the workshop.", required=True, minimum=1),
             Column("question", "string", "Question", "The question discussed (anonymised)."),
             Column("minutes", "integer", "Minutes", "Length of the round.", unit="minutes", minimum=0)),
    primary_key=("workshop_id", "round"), foreign_keys=(_to_workshops(),),
)

PARTICIPANTS = TableDescription(
    "participants", "Participants",
    "People who took part and consented to archiving, pseudonymised, with quasi-identifiers coarsened or "
    "suppressed for k-anonymity (see docs/README.txt).", path="data/participants.csv",
    columns=(
        Column("participant_id", "string", "Participant", PARTICIPANT_ID.description, required=True, unique=True),
        WORKSHOP_ID,
        Column("kind", "string", "Kind", "Registered attendee, or walk-in who joined with the workshop code.",
               categories={"attendee": "registered attendee", "walk-in": "joined on a phone with the workshop code"}),
        Column("role", "string", "Role", "Table host or participant ('suppressed' for disclosure control).",
               categories={"table host": "hosted a table", "participant": "took part at the tables"}),
        Column("sector", "string", "Sector", "Sector the person gave (detailed, or broad after coarsening).",
               categories=SECTOR_VALUES),
        Column("organisation_kind", "string", "Kind of organisation",
               "What kind of organisation the person came from, derived from its name; never the name."),
        Column("area_code", "string", "Home area", "Where the person lives, coarsened: a local authority district "
               "(GSS code), a workshop sub-region or the region."),
        Column("area_level", "string", "Home area level", "The level of area_code.",
               categories={"district": "local authority district", "subregion": "workshop sub-region",
                           "region": "region"}),
        Column("consent", "string", "Consent given on", "Where the person consented to archiving.",
               categories={"registration": "on the registration form or attendee list",
                           "join page": "on the participant join page"}),
    ),
    primary_key=("participant_id",), foreign_keys=(_to_workshops(),), missing_values=PARTICIPANT_MISSING,
)

CONTRIBUTIONS = TableDescription(
    "contributions", "Contributions",
    "What was written: table hosts' notes, paper notes typed up, participants' statements and harvest priorities, "
    "with names, organisations and contact details replaced by bracketed labels.", path="data/contributions.csv",
    columns=(
        Column("contribution_id", "string", "Contribution", CONTRIBUTION_ID.description, required=True, unique=True),
        WORKSHOP_ID,
        Column("kind", "string", "Kind", "What it is.",
               categories={"note": "a note written at a table", "statement": "a statement put to the room for votes",
                           "priority": "a priority for the harvest dot vote"}),
        Column("source", "string", "Source", "How it was captured.",
               categories={"live": "typed live in the web app", "import": "typed up from paper notes"}),
        Column("round", "integer", "Round", "Round it was written in (notes).", minimum=1),
        Column("table", "integer", "Table", "Table it was written at (notes).", minimum=1),
        Column("author", "string", "Author", "The participant who wrote it (statements); empty for notes and priorities, "
               "which are attributed to the table or the room."),
        Column("attributed_to", "string", "Attributed to", "Who the text is attributed to.",
               categories={"participant": "a consenting participant", "table": "the table (host or paper notes)",
                           "room": "the room (harvest priorities)"}),
        Column("text", "string", "Text", "The text, anonymised: [person N], [organisation: kind], [email], [phone], "
               "[postcode], [url], [NI number], [date of birth] and [address] replace what identified someone."),
    ),
    primary_key=("contribution_id",),
    foreign_keys=(_to_workshops(), ForeignKey(("author",), "participants", ("participant_id",))),
)

VOTES_TABLE = TableDescription(
    "votes", "Votes on statements", "Each consenting participant's last vote on each statement.", path="data/votes.csv",
    columns=(CONTRIBUTION_ID, PARTICIPANT_ID,
             Column("vote", "integer", "Vote", "The vote (pol.is convention).", categories=VOTES, required=True)),
    primary_key=("contribution_id", "participant_id"),
    foreign_keys=(ForeignKey(("contribution_id",), "contributions", ("contribution_id",)),
                  ForeignKey(("participant_id",), "participants", ("participant_id",))),
)

DOTS = TableDescription(
    "dots", "Dots on priorities", "Dots each consenting participant spent on each harvest priority.", path="data/dots.csv",
    columns=(CONTRIBUTION_ID, PARTICIPANT_ID,
             Column("dots", "integer", "Dots", "Number of dots spent.", unit="dots", required=True, minimum=1)),
    primary_key=("contribution_id", "participant_id"),
    foreign_keys=(ForeignKey(("contribution_id",), "contributions", ("contribution_id",)),
                  ForeignKey(("participant_id",), "participants", ("participant_id",))),
)

CODES = TableDescription(
    "codes", "Codebook", "The qualitative codebook: a tree of codes (themes) applied to contributions.",
    path="data/codes.csv",
    columns=(Column("code_id", "integer", "Code", "Code number in this deposit.", required=True, unique=True),
             Column("code", "string", "Name", "The code's name.", required=True),
             Column("parent_code_id", "integer", "Parent code", "The code this one sits under (empty: top level)."),
             Column("description", "string", "Description", "What the code means (anonymised).")),
    primary_key=("code_id",), foreign_keys=(ForeignKey(("parent_code_id",), "codes", ("code_id",)),),
)

CODING = TableDescription(
    "coding", "Coding", "Codes applied to contributions, by rules or by hand (an empty code: read, no code applies).",
    path="data/coding.csv",
    columns=(CONTRIBUTION_ID, Column("code_id", "integer", "Code", "The code applied (empty: none applies)."),
             Column("coder", "string", "Coder", "'rules', or a pseudonymous coder (coder 1, coder 2 ...)."),
             Column("method", "string", "Method", "How the code was applied.",
                    categories={"hand": "by a person", "rules": "by keyword rules"})),
    foreign_keys=(ForeignKey(("contribution_id",), "contributions", ("contribution_id",)),
                  ForeignKey(("code_id",), "codes", ("code_id",))),
)

THEMES = TableDescription(
    "themes", "Themes", "Themes found in the deposited contributions' text (TF-IDF and NMF, number of themes chosen "
    "by NPMI coherence, seed 0), from the anonymised text.", path="data/themes.csv",
    columns=(Column("theme", "integer", "Theme", "Theme number (1 = the most contributions).", required=True, unique=True),
             Column("label", "string", "Label", "The top three terms."),
             Column("terms", "string", "Terms", "Top terms, best first."),
             Column("contributions", "integer", "Contributions", "Contributions in the theme.", minimum=0),
             Column("share", "number", "Share", "Share of the contributions with a theme.", unit="proportion (0 to 1)",
                    minimum=0, maximum=1),
             Column("coherence", "number", "Coherence", "NPMI topic coherence (-1 to 1, higher = more coherent).")),
    primary_key=("theme",),
)

PRIORITY_COLUMNS = ("priority_id", "workshop_ids", "area_codes", "title", "status", "sectors", "dots", "votes_agree",
                    "votes_disagree", "consensus", "evidence_verdict", "evidence_indicators", "kind", "kind_reasons")
PRIORITIES = TableDescription(
    "priorities", "Priorities", "The partnership's priority register (from lpip.synthesis), anonymised.",
    path="data/priorities.csv",
    columns=(Column("priority_id", "integer", "Priority", "Priority number.", required=True, unique=True),
             Column("workshop_ids", "string", "Workshops", "Workshops that raised it (database ids, separated by ';')."),
             Column("area_codes", "string", "Areas", "Sub-regions or region it concerns (codes, ';'-separated)."),
             Column("title", "string", "Title", "The priority (anonymised)."),
             Column("status", "string", "Status", "Where it stands.",
                    categories={"candidate": "proposed", "agreed": "agreed", "dropped": "dropped"}),
             Column("sectors", "string", "Sectors", "Sectors that raised it."),
             Column("dots", "integer", "Dots", "Dots received in harvest votes."),
             Column("votes_agree", "integer", "Agree votes", "Agree votes on its statements."),
             Column("votes_disagree", "integer", "Disagree votes", "Disagree votes on its statements."),
             Column("consensus", "number", "Consensus", "Group-informed consensus of its statements (0 to 1)."),
             Column("evidence_verdict", "string", "Evidence verdict", "What the linked indicators say.",
                    categories={"supported": "supported", "mixed": "mixed", "not_supported": "not supported",
                                "no_evidence": "no evidence"}),
             Column("evidence_indicators", "string", "Indicators", "Linked indicator ids (';'-separated)."),
             Column("kind", "string", "Kind", "Wicked problem, quick win or other.",
                    categories={"wicked": "wicked problem", "quick_win": "quick win", "other": "other"}),
             Column("kind_reasons", "string", "Why", "The triage rule's terms that fired.")),
    primary_key=("priority_id",),
)

PLAN_COLUMNS = ("priority_id", "strand", "research_question", "activity", "lead", "partners", "indicator", "area_code",
                "baseline", "baseline_period", "baseline_source", "target", "target_period", "start", "end", "risks",
                "dependencies")
PLAN = TableDescription(
    "plan", "Programme plan", "The Phase 2 programme plan lines (from lpip.synthesis), anonymised.", path="data/plan.csv",
    columns=(Column("priority_id", "integer", "Priority", "The priority the line serves."),
             Column("strand", "string", "Strand", "Research strand or action."),
             Column("research_question", "string", "Research question", "The question the line answers."),
             Column("activity", "string", "Activity", "What will be done."),
             Column("lead", "string", "Lead", "Kind of lead organisation (anonymised)."),
             Column("partners", "string", "Partners", "Kinds of partner organisations (anonymised)."),
             Column("indicator", "string", "Indicator", "Indicator id the line is measured by."),
             Column("area_code", "string", "Area", "Area code."),
             Column("baseline", "number", "Baseline", "The indicator's value from the database."),
             Column("baseline_period", "string", "Baseline period", "Period of the baseline."),
             Column("baseline_source", "string", "Baseline source", "Source of the baseline."),
             Column("target", "string", "Target", "Target: a value, or a direction from the baseline as drafted "
                    "(e.g. 'lower than 30.6'), as the partnership wrote it."),
             Column("target_period", "string", "Target period", "Period of the target."),
             Column("start", "string", "Start", "Start (date or month)."),
             Column("end", "string", "End", "End (date or month)."),
             Column("risks", "string", "Risks", "Risks (anonymised)."),
             Column("dependencies", "string", "Dependencies", "Dependencies (anonymised).")),
    foreign_keys=(ForeignKey(("priority_id",), "priorities", ("priority_id",)),),
)

INDICATOR_VALUES = TableDescription(
    "indicator_values", "Indicator values shown in the data packs",
    "Every figure the sub-regional data packs of the deposited workshops showed: each indicator for the sub-region, "
    "its districts and England, in the tidy shape of ONS Explore Local Statistics (plus indicator_id).",
    path="evidence/indicator_values.csv",
    columns=(Column("indicator_id", "string", "Indicator", "lpip indicator id (see evidence/sources.csv).", required=True),
             Column("areacd", "string", "Area code", "GSS code of the area, or lpip code of a sub-region.", required=True),
             Column("areanm", "string", "Area name", "Area name."),
             Column("period", "string", "Period", "Period the value refers to.", required=True),
             Column("value", "number", "Value", "The indicator's value (unit in evidence/sources.csv)."),
             Column("lci", "number", "Lower 95% limit", "Lower limit of the 95% confidence interval."),
             Column("uci", "number", "Upper 95% limit", "Upper limit of the 95% confidence interval."),
             Column("status", "string", "Status", "How the value was obtained for this deposit.",
                    categories={"published": "as published", "aggregated": "aggregated by lpip from districts",
                                "benchmark": "England's value as benchmark"})),
    primary_key=("indicator_id", "areacd", "period"),
    foreign_keys=(ForeignKey(("indicator_id",), "sources", ("indicator_id",)),),
)

SOURCES = TableDescription(
    "sources", "Sources of the indicators", "Provenance and licence of every indicator in indicator_values.csv.",
    path="evidence/sources.csv",
    columns=(Column("indicator_id", "string", "Indicator", "lpip indicator id.", required=True, unique=True),
             Column("title", "string", "Title", "What the indicator measures."),
             Column("unit", "string", "Unit", "Unit of the values."),
             Column("polarity", "string", "Polarity", "Whether higher is better."),
             Column("source", "string", "Source", "Where the data comes from."),
             Column("publisher", "string", "Publisher", "Who publishes it."),
             Column("licence", "string", "Licence", "The licence the data is published under."),
             Column("provenance", "string", "Provenance", "How it came into lpip.",
                    categories={"bundled": "bundled with lpip from the published file",
                                "user": "imported by the partnership"})),
    primary_key=("indicator_id",),
)

CORE_TABLES = (WORKSHOPS, ROUNDS, PARTICIPANTS, CONTRIBUTIONS, VOTES_TABLE, DOTS, CODES, CODING, THEMES)
PROGRAMME_TABLES = (PRIORITIES, PLAN)
EVIDENCE_TABLES = (INDICATOR_VALUES, SOURCES)
