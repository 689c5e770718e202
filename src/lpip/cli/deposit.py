"""`lpip deposit`: an anonymised, documented package for an archive (the UK Data Service)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lpip.cli.common import (
    DatabaseOption,
    console,
    database_session,
    err_console,
    new_app,
)

app = new_app("Deposit: an anonymised, documented package for the UK Data Service.")


class Access(str, Enum):
    open = "open"
    safeguarded = "safeguarded"


@app.command("build")
def build(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Package folder to write (DIR.private and DIR.zip go beside it).")],
    workshop: Annotated[list[int] | None, typer.Option("--workshop", "-w", metavar="ID", help="A workshop to deposit; repeat for several.")] = None,
    all_workshops: Annotated[bool, typer.Option("--all", help="Deposit every workshop (demonstrations never go in).")] = False,
    with_evidence: Annotated[bool, typer.Option("--with-evidence", help="Add every figure of the workshops' sub-regional data packs, with sources and licences.")] = False,
    with_programme: Annotated[bool, typer.Option("--with-programme", help="Add the priorities and the programme plan (needs lpip.synthesis).")] = False,
    zip_package: Annotated[bool, typer.Option("--zip", help="Also write DIR.zip (byte-identical for the same data).")] = False,
    k: Annotated[int, typer.Option("--k", help="Every combination of participants' sector, area, organisation kind and role is shared by at least k people.")] = 3,
    access: Annotated[Access, typer.Option("--access", help="open (CC BY 4.0) or safeguarded (UK Data Service End User Licence).")] = Access.open,
    review: Annotated[Path | None, typer.Option("--review", metavar="FILE", help="An edited redactions_review.csv (from `lpip deposit review`) to apply.")] = None,
    study: Annotated[Path | None, typer.Option("--study", metavar="FILE.toml", help="The study's title, abstract, producers, funder ... (see docs/deposit.md).")] = None,
    outward_postcodes: Annotated[bool, typer.Option("--outward-postcodes", help="Also replace outward postcodes written alone (e.g. B66).")] = False,
    database: DatabaseOption = None,
) -> None:
    """Build the deposit package: data, datapackage.json, DDI codebook, README, dictionary, licence, manifest."""
    from lpip.archive.package import build_deposit

    with database_session(database) as session:
        result = build_deposit(session, out, workshop, all_workshops=all_workshops, with_evidence=with_evidence,
                               with_programme=with_programme, zip_package=zip_package, k=k, access=access.value,
                               review=review, study=study, outward_postcodes=outward_postcodes)
    console.print(result.summary(), highlight=False, soft_wrap=True, markup=False)


@app.command("review")
def review(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The package folder `lpip deposit build` wrote.")],
) -> None:
    """Write DIR.private/redactions_review.csv: every replacement with its context, to accept, reject or change."""
    from lpip.archive.review import write_review

    path = write_review(folder)
    console.print(f"Wrote {path}. Set decision to accept, reject (keep the text) or change (write new_replacement), "
                  f"then run `lpip deposit build ... --review {path}`.", highlight=False, soft_wrap=True, markup=False)


@app.command("check")
def check(
    package: Annotated[Path, typer.Argument(metavar="DIR|ZIP", help="A package folder or its zip.")],
    database: DatabaseOption = None,
) -> None:
    """Check a package (identifiers, k-anonymity, schema, encoding, names, manifest); exit 1 with the problems."""
    from lpip.archive.anonymise import anonymiser_for
    from lpip.archive.check import check_package
    from lpip.archive.review import applied_decisions

    with database_session(database) as session:
        scrub = anonymiser_for(session, use_ner=False, decisions=applied_decisions(package)).scrub
        result = check_package(package, scrub)
    for item in result.warnings:
        err_console.print(f"Warning: {item}", highlight=False, soft_wrap=True, markup=False)
    if result.k is not None:
        console.print(f"k-anonymity of participants: asked {result.k}, achieved {result.k_achieved}.", highlight=False)
    if not result.ok:
        for item in result.problems:
            console.print(f"Problem: {item}", highlight=False, soft_wrap=True, markup=False)
        console.print(f"{package}: {len(result.problems)} problem(s).", highlight=False, soft_wrap=True, markup=False)
        raise typer.Exit(1)
    console.print(f"{package}: every check passed ({', '.join(result.passed)}).", highlight=False, soft_wrap=True,
                  markup=False)
