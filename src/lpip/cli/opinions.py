"""`lpip opinions`: opinion groups, representative statements and consensus (pol.is method)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lpip.cli.common import DatabaseOption, console, database_session, rich_table

if TYPE_CHECKING:
    import pandas as pd

TEXT_WIDTH = 90
# Best and next-best silhouettes closer than this: pol.is's own k is then a matter of history.
UNCERTAIN_MARGIN = 0.02


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("opinions")(opinions)


def opinions(
    polis_dir: Annotated[Path | None, typer.Option(
        "--polis-dir", metavar="DIR", help="Folder of a pol.is open-data export "
        "(comments.csv and participants-votes.csv, usually votes.csv too).")] = None,
    workshop: Annotated[int | None, typer.Option(
        "--workshop", metavar="ID", help="A workshop's own statements and votes (see `lpip workshops list`).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE.csv", help="Write participant,group here (group empty if not clustered; "
        "with --workshop also each participant's sector).")] = None,
    bootstraps: Annotated[int, typer.Option(
        "--bootstraps", min=0, help="Bootstrap resamples of participants for the stability figure.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the bootstrap resamples (same seed, same result).")] = 0,
    database: DatabaseOption = None,
) -> None:
    """Find opinion groups, representative statements and consensus by the pol.is method."""
    from lpip.deliberation.opinions import find_opinion_groups

    if (polis_dir is None) == (workshop is None):
        raise typer.BadParameter("give either --polis-dir DIR (a pol.is export folder) or --workshop ID",
                                 param_hint="--polis-dir / --workshop")
    if workshop is not None:
        source = _workshop_source(workshop, database)
    else:
        source = _polis_source(polis_dir)
    result = find_opinion_groups(source.votes, source.statements, sectors=source.sectors,
                                 bootstraps=bootstraps, seed=seed)
    if out is not None:
        _write_groups(result.participants, source.sectors, out)
    _print_result(result, source)


class _Source:
    """Where the votes came from: what to call it, and whose attribution (if any) to print."""

    def __init__(self, title: str, votes, statements, sectors=None, url=None, attribution=None, note=None):
        self.title, self.url, self.attribution, self.note = title, url, attribution, note
        self.votes, self.statements, self.sectors = votes, statements, sectors


def _polis_source(polis_dir: Path) -> _Source:
    from lpip.deliberation.polis import read_polis_export

    export = read_polis_export(polis_dir)
    note = None if export.vote_times else (
        f"This export has no votes.csv: the latest votes come from {export.votes_from}, and participants are "
        "taken to have voted in the order pol.is numbered them.")
    return _Source(export.topic or export.folder.name, export.votes, export.statements,
                   url=export.url, attribution=export.attribution(), note=note)


def _workshop_source(workshop_id: int, database: str | None) -> _Source:
    from lpip.deliberation.votes import workshop_votes
    from lpip.workshops.workshops import get_workshop

    with database_session(database) as session:
        title = f"Workshop {workshop_id}: {get_workshop(session, workshop_id).title}"
        votes, statements, sectors = workshop_votes(session, workshop_id)
    return _Source(title, votes, statements, sectors=sectors)


def _write_groups(participants: pd.DataFrame, sectors: dict | None, out: Path) -> None:
    from lpip.spreadsheets import write_csv

    columns = participants[["participant", "group"]]
    if sectors is not None:
        columns = columns.assign(sector=participants["participant"].map(sectors))[["participant", "sector", "group"]]
    try:
        write_csv(columns, out)
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {out}: {exc.strerror}", param_hint="--out") from None
    left_out = int(participants["group"].isna().sum())
    console.print(f"Wrote {out}: {len(participants)} participants, {left_out} not clustered (group left empty).")


def _print_result(result, source: _Source) -> None:
    statements = result.statements
    from rich.text import Text

    console.print(Text.assemble((source.title, "bold"), f" ({source.url})" if source.url else ""))
    if source.note:
        console.print(source.note)
    console.print(
        f"{len(result.participants)} participants voted on {len(statements)} statements "
        f"({int(statements['moderated_out'].sum())} moderated out); "
        f"{int(result.participants['included'].sum())} clustered into {result.n_groups} opinion groups."
    )
    groups = _percent(result.groups, "share").rename(columns={"sector_mix": "sectors"})
    console.print(rich_table(groups, "Opinion groups"))
    console.print(rich_table(result.silhouettes.round(3), "Number of groups chosen by silhouette"))
    _print_margin(result.silhouettes)
    console.print(rich_table(_representative(result.representative), "Representative statements per group"))
    console.print(rich_table(_majority(result.consensus), "Majority consensus (all voters)"))
    console.print(rich_table(_group_consensus(result.group_consensus), "Group-informed consensus (top 10)"))
    _print_stability(result.stability)
    _print_sectors(result.sectors)
    if source.attribution:
        console.print("\nAttribution", style="bold")
        console.print(source.attribution)


def _print_margin(silhouettes: pd.DataFrame) -> None:
    ranked = silhouettes.sort_values("silhouette", ascending=False, kind="stable")
    if len(ranked) < 2:
        return
    (k1, s1), (k2, s2) = ranked[["groups", "silhouette"]].head(2).itertuples(index=False)
    if s1 - s2 < UNCERTAIN_MARGIN:
        console.print(
            f"The number of groups is uncertain: {k1} and {k2} groups fit almost equally well "
            f"(silhouette {s1:.3f} and {s2:.3f}). Treat the groups as tentative; pol.is, which re-clusters "
            "as votes arrive, may show the other number for the same votes."
        )


def _percent(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.assign(**{column: (frame[column] * 100).round(1).astype(str) + "%"})


def _short(text) -> str:
    # Statements are free text; the console reads no markup, so "[b]" is shown as written.
    import pandas as pd

    text = "" if pd.isna(text) else " ".join(str(text).split())
    return text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 1] + "…"


def _representative(rep: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({
        "group": rep["group"], "rank": rep["rank"], "statement": rep["statement"],
        "votes": [f"{s} of {n} {w}" for s, n, w in zip(rep["n_success"], rep["n_trials"], rep["repful_for"])],
        "repness": rep["repness"].round(2), "text": rep.get("text", pd.Series(index=rep.index)).map(_short),
    })


def _majority(cons: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({
        "direction": cons["direction"], "statement": cons["statement"],
        "votes": [f"{s} of {n}" for s, n in zip(cons["n_success"], cons["n_trials"])],
        "p": cons["p_success"].round(3), "text": cons.get("text", pd.Series(index=cons.index)).map(_short),
    })


def _group_consensus(gic: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    top = gic[~gic["moderated_out"]].head(10)
    return pd.DataFrame({
        "statement": top["statement"], "consensus": top["group_informed_consensus"].round(3),
        "text": top.get("text", pd.Series(index=top.index)).map(_short),
    })


def _print_stability(stability: pd.DataFrame) -> None:
    if stability.empty:
        console.print("Stability: not measured (--bootstraps 0).")
        return
    ari, k = stability["ari"].dropna(), stability["groups"].dropna().mode()
    degenerate = int(stability["degenerate"].ne("").sum())
    if ari.empty:
        console.print(f"Stability: none of the {len(stability)} bootstrap resamples could be clustered "
                      f"({stability['degenerate'].iloc[0]}).")
        return
    console.print(
        f"Stability over {len(stability)} bootstrap resamples of participants: adjusted Rand index "
        f"mean {ari.mean():.2f} (min {ari.min():.2f}, max {ari.max():.2f}; 1 = same groups); "
        f"{int((stability['groups'] == k.iloc[0]).sum())} of {len(stability)} resamples found {k.iloc[0]} groups; "
        f"{degenerate} resample(s) could not be clustered."
    )


def _print_sectors(sectors: pd.DataFrame | None) -> None:
    if sectors is None:
        console.print("Sectors: not known (pol.is participants are anonymous; a workshop's participants give theirs).")
    else:
        console.print(rich_table(_percent(sectors, "share"), "Group members by sector"))
