"""The programme (``--with-programme``): the priority register and the Phase 2 plan lines from
:mod:`lpip.synthesis`, in the columns :data:`lpip.archive.tables.PRIORITY_COLUMNS` and
:data:`lpip.archive.tables.PLAN_COLUMNS`, with their text anonymised.

They are read through ``lpip.synthesis`` when that package is installed:
``lpip.synthesis.priorities.list_priorities(session)`` (the table ``lpip priorities list``
prints) and ``lpip.synthesis.plan.plan_lines(session)`` (the plan lines ``lpip plan export``
writes). Without them the build stops with an error that says so.
"""

from __future__ import annotations

import importlib

import pandas as pd
from sqlalchemy.orm import Session

from lpip.archive.anonymise import Anonymiser
from lpip.archive.tables import PLAN, PLAN_COLUMNS, PRIORITIES, PRIORITY_COLUMNS
from lpip.errors import InvalidDeposit

READERS = {"priorities": ("lpip.synthesis.priorities", "list_priorities"), "plan": ("lpip.synthesis.plan", "plan_lines")}
TEXT_COLUMNS = {"priorities": ("title", "kind_reasons"),
                "plan": ("strand", "research_question", "activity", "lead", "partners", "risks", "dependencies")}


def programme_tables(session: Session, anonymiser: Anonymiser,
                     workshop_ids: list[int] | None = None) -> dict[str, pd.DataFrame]:
    """``priorities`` and ``plan`` from lpip.synthesis, anonymised; :class:`InvalidDeposit` when
    this installation has no lpip.synthesis (or it lacks the readers).

    With ``workshop_ids`` (the deposited workshops), only the priorities raised at one of them,
    or added for the region without a workshop, and their plan lines: another workshop's
    priorities (say a demonstration's in the same database) stay out.
    """
    tables = {}
    for name, (module_name, function_name) in READERS.items():
        reader = _reader(module_name, function_name)
        frame = pd.DataFrame(reader(session))
        columns = PRIORITY_COLUMNS if name == "priorities" else PLAN_COLUMNS
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InvalidDeposit(f"--with-programme: {module_name}.{function_name} gives no column(s) "
                                 f"{', '.join(missing)}; the deposit documents {', '.join(columns)}.")
        frame = frame[list(columns)].copy()
        if workshop_ids is not None and name == "priorities":
            frame = frame[[_raised_at(w, set(workshop_ids)) for w in frame["workshop_ids"]]].reset_index(drop=True)
        elif workshop_ids is not None:
            frame = frame[frame["priority_id"].isin(tables["priorities"]["priority_id"])].reset_index(drop=True)
        path = (PRIORITIES if name == "priorities" else PLAN).path
        for column in TEXT_COLUMNS[name]:
            frame[column] = [anonymiser.scrub(v if isinstance(v, str) else None, path, row, column)
                             for row, v in enumerate(frame[column], start=1)]
        tables[name] = frame
    return tables


def _raised_at(listed, deposited: set[int]) -> bool:
    """Whether a priority's ``workshop_ids`` ("3;5") name a deposited workshop, or none at all."""
    ids = {int(part) for part in str(listed if listed is not None and listed == listed else "").split(";")
           if part.strip().isdigit()}
    return not ids or bool(ids & deposited)


def _reader(module_name: str, function_name: str):
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise InvalidDeposit(
            "--with-programme exports the priorities and the programme plan, which come from lpip.synthesis; this "
            f"installation has no {module_name}. Build the deposit without --with-programme."
        ) from None
    reader = getattr(module, function_name, None)
    if reader is None:
        raise InvalidDeposit(f"--with-programme needs {module_name}.{function_name}, which this installation lacks; "
                             "build the deposit without --with-programme.")
    return reader
