"""The layers of DESIGN.md hold: a lower layer never imports a higher one, at the top of a
module or inside a function. Found by reading every module's imports with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lpip"

# What each package may not import (anything else lpip may). Top-level modules such as
# errors, config, db, text and spreadsheets are the base: they import no domain.
DOMAINS = ("geography", "evidence", "workshops", "deliberation", "synthesis", "archive", "maps", "reports", "web", "cli")
FORBIDDEN = {
    "base": DOMAINS,
    "geography": DOMAINS[1:],
    "evidence": ("workshops", "deliberation", "synthesis", "archive", "maps", "reports", "web", "cli"),
    "workshops": ("deliberation", "synthesis", "archive", "maps", "reports", "web", "cli"),
    "deliberation": ("synthesis", "archive", "maps", "reports", "web", "cli"),
    "synthesis": ("archive", "maps", "reports", "web", "cli"),
    "archive": ("maps", "reports", "web", "cli"),
    "maps": ("workshops", "deliberation", "synthesis", "archive", "reports", "web", "cli"),
    # Reports print quotes, so they anonymise them with the one anonymiser, lpip.archive.anonymise.
    "reports": ("web", "cli"),
    "web": ("cli",),
    "cli": (),
}
# Modules of the base that wire everything together on purpose.
WIRING = {"initdb.py", "bundled.py", "__init__.py", "testing.py"}


def layer_of(path: Path) -> str | None:
    parts = path.relative_to(SRC).parts
    if len(parts) == 1:
        return None if parts[0] in WIRING else "base"
    return parts[0] if parts[0] in FORBIDDEN else None


def lpip_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, name.split(".")[1]) for name in names
                  if name.startswith("lpip.") and len(name.split(".")) > 1]
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if layer_of(p) and "migrations" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(SRC)) for p in MODULES])
def test_no_import_runs_up_the_layers(path):
    layer = layer_of(path)
    wrong = [f"line {line}: imports lpip.{target}" for line, target in lpip_imports(path)
             if target in FORBIDDEN[layer]]
    assert not wrong, f"{path.relative_to(SRC)} ({layer}) " + "; ".join(wrong)
