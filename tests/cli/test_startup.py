"""Start-up: the `lpip` command loads heavy libraries only inside the commands that use them.

These tests check the rule by structure (which modules a fresh interpreter holds after the
import or the command), not by time; bench/bench_startup.py measures the CPU time.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[2] / "src" / "lpip" / "cli"
HEAVY = ("pandas", "numpy", "geopandas", "sklearn", "matplotlib", "weasyprint", "scipy", "networkx",
         "shapely", "pyproj", "openpyxl", "libpysal", "esda", "fastapi", "uvicorn", "requests")
# Needed to open a database, but not to print help or the version.
DATABASE = ("sqlalchemy", "alembic")


def loaded_after(code: str, *args: str) -> set[str]:
    """Top-level modules a fresh interpreter holds after running ``code``."""
    probe = (f"import sys, json\n{code}\n"
             "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_library():
    loaded = loaded_after("import lpip.cli")
    assert loaded.isdisjoint(HEAVY + DATABASE), sorted(loaded & set(HEAVY + DATABASE))


def test_version_loads_no_heavy_library():
    code = ("sys.argv = ['lpip', '--version']\n"
            "from lpip.cli import main\n"
            "main()")
    loaded = loaded_after(code)
    assert loaded.isdisjoint(HEAVY + DATABASE), sorted(loaded & set(HEAVY + DATABASE))


def test_help_of_every_group_loads_no_heavy_library():
    code = ("from lpip.cli import app\n"
            "for group in ('areas', 'data', 'maps', 'atlas', 'coding', 'workshops', 'sources', 'users'):\n"
            "    try:\n"
            "        app([group, '--help'], standalone_mode=False)\n"
            "    except SystemExit:\n"
            "        pass")
    loaded = loaded_after(code)
    assert loaded.isdisjoint(HEAVY + DATABASE), sorted(loaded & set(HEAVY + DATABASE))


def test_listing_areas_opens_the_database_without_pandas_or_alembic(sqlite_url):
    code = ("from lpip.cli import app\n"
            f"app(['areas', 'list', '--level', 'region', '--database', {sqlite_url!r}], standalone_mode=False)")
    loaded = loaded_after(code)
    assert "sqlalchemy" in loaded, "the probe really opened the database"
    assert loaded.isdisjoint(HEAVY + ("alembic",)), sorted(loaded & set(HEAVY + ("alembic",)))


def _top_level_imports(path: Path) -> set[str]:
    """Modules a file imports at module level (not inside functions or TYPE_CHECKING blocks)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_cli_modules_import_only_the_cli_layer_at_the_top(path):
    # A domain module imported at the top of a cli module would load its libraries for every
    # command; lpip.errors (no dependencies) and lpip.cli itself are the exceptions.
    allowed_lpip = {"lpip.cli", "lpip.errors"}
    for name in _top_level_imports(path):
        root = name.split(".")[0]
        assert root not in HEAVY + DATABASE, f"{path.name} imports {name} at the top"
        if root == "lpip":
            assert name in allowed_lpip or name.startswith("lpip.cli."), f"{path.name} imports {name} at the top"


# ---------------------------------------------------------------- `lpip GROUP ...` builds one group

def _group_commands():
    from typer.main import get_command

    from lpip.cli import app, groups

    root = get_command(app)
    for name in sorted(groups()):
        yield name, ()
        for sub in sorted(root.commands[name].commands):
            yield name, (sub,)


def _answer(command, args: list[str], prog_name: str, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        command.main(args, prog_name=prog_name)
    captured = capsys.readouterr()
    return done.value.code, captured.out + captured.err


@pytest.mark.parametrize(("group", "path"), list(_group_commands()),
                         ids=[" ".join((g, *p)) for g, p in _group_commands()])
def test_one_group_alone_answers_as_the_whole_app(group, path, capsys):
    # main() hands `lpip GROUP ...` to the group alone; help and usage errors must read the same.
    from typer.main import get_command, get_group

    from lpip.cli import app, groups

    whole, alone = get_command(app), get_group(groups()[group])
    for extra, status in (["--help"], 0), (["--no-such-option"], 2):
        expected = _answer(whole, [group, *path, *extra], "lpip", capsys)
        assert expected[0] == status
        assert _answer(alone, [*path, *extra], f"lpip {group}", capsys) == expected


def test_the_program_runs_a_group_command(sqlite_url):
    done = subprocess.run([sys.executable, "-c", "from lpip.cli import main; main()", "areas", "list", "--level",
                           "region", "--format", "csv", "--database", sqlite_url],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "code,name,level" and len(done.stdout.splitlines()) == 10
