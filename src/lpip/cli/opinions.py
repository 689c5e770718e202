"""`lpip opinions`: opinion groups, representative statements and consensus (pol.is method)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lpip.cli.common import console, rich_table
from lpip.errors import NotAvailableYet

if TYPE_CHECKING:
    import pandas as pd

TEXT_WIDTH = 90


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("opinions")(opinions)


def opinions(
    polis_dir: Annotated[Path | None, typer.Option(
        "--polis-dir", metavar="DIR", help="Folder of a pol.is open-data export "
        "(comments.csv, votes.csv, participants-votes.csv).")] = None,
    workshop: Annotated[str | None, typer.Option(
        "--workshop", metavar="ID", help="A workshop's votes (not available yet).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE.csv", help="Write participant,group here (group empty if not clustered).")] = None,
    bootstraps: Annotated[int, typer.Option(
        "--bootstraps", min=0, help="Bootstrap resamples of participants for the stability figure.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same result).")] = 0,
) -> None:
    """Find opinion groups, representative statements and consensus by the pol.is method."""
    from lpip.deliberation.opinions import find_opinion_groups
    from lpip.deliberation.polis import read_polis_export

    if workshop is not None:
        raise NotAvailableYet(
            f"--workshop {workshop}: workshop votes are not available yet (the workshop platform is "
            "still to be built). For now, analyse a pol.is export with --polis-dir DIR."
        )
    if polis_dir is None:
        raise typer.BadParameter("give --polis-dir DIR (a pol.is export folder)", param_hint="--polis-dir")
    export = read_polis_export(polis_dir)
    result = find_opinion_groups(export.votes, export.statements, bootstraps=bootstraps, seed=seed)
    if out is not None:
        _write_groups(result.participants, out)
    _print_result(result, export)


def _write_groups(participants: pd.DataFrame, out: Path) -> None:
    from lpip.spreadsheets import write_csv

    try:
        write_csv(participants[["participant", "group"]], out)
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {out}: {exc.strerror}", param_hint="--out") from None
    left_out = int(participants["group"].isna().sum())
    console.print(f"Wrote {out}: {len(participants)} participants, {left_out} not clustered (group left empty).")


def _print_result(result, export) -> None:
    statements = result.statements
    from rich.text import Text

    title = export.topic or export.folder.name
    console.print(Text.assemble((title, "bold"), f" ({export.url})" if export.url else ""))
    console.print(
        f"{len(result.participants)} participants voted on {len(statements)} statements "
        f"({int(statements['moderated_out'].sum())} moderated out); "
        f"{int(result.participants['included'].sum())} clustered into {result.n_groups} opinion groups."
    )
    console.print(rich_table(_percent(result.groups, "share"), "Opinion groups"))
    console.print(rich_table(result.silhouettes.round(3), "Number of groups chosen by silhouette"))
    console.print(rich_table(_representative(result.representative), "Representative statements per group"))
    console.print(rich_table(_majority(result.consensus), "Majority consensus (all voters)"))
    console.print(rich_table(_group_consensus(result.group_consensus), "Group-informed consensus (top 10)"))
    _print_stability(result.stability)
    _print_sectors(result.sectors)
    console.print("\nAttribution", style="bold")
    console.print(export.attribution())


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
    if ari.empty:
        console.print(f"Stability: none of the {len(stability)} bootstrap resamples was large enough to cluster.")
        return
    console.print(
        f"Stability over {len(stability)} bootstrap resamples of participants: adjusted Rand index "
        f"mean {ari.mean():.2f} (min {ari.min():.2f}, max {ari.max():.2f}; 1 = same groups); "
        f"{int((stability['groups'] == k.iloc[0]).sum())} of {len(stability)} resamples found {k.iloc[0]} groups."
    )


def _print_sectors(sectors: pd.DataFrame | None) -> None:
    if sectors is None:
        console.print("Sectors: not known (pol.is participants are anonymous; workshops will record sectors).")
    else:
        console.print(rich_table(_percent(sectors, "share"), "Group members by sector"))
