"""Benchmark: how much CPU the `lpip` command needs to start, measured by running the process.

Run: .venv/bin/python bench/bench_startup.py

Each command runs REPEATS times as a fresh process (the installed `lpip` program beside this
interpreter); the figure is the median CPU time (user + system) of the child, from
``os.wait4``, which does not count time spent waiting for a busy machine. Limits (issue 11):
``lpip --version`` under 0.2 s of CPU and ``lpip areas list`` under 0.5 s.

CPU time still grows when other processes share the cores (caches, hyper-threads), so the
floor is measured the same way and printed beside the figures: an empty interpreter, and one
that only imports SQLAlchemy's ORM (which any command that opens the database needs) and Typer's
parameter checking (Typer >= 0.20 validates options with pydantic). "above floor" is what lpip
itself adds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import database_url  # noqa: E402

REPEATS = 7
LPIP = Path(sys.executable).with_name("lpip")
LIMITS = {"version": 0.2, "areas list": 0.5}


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """CPU time (user + system) of one run of ``command`` as a child process."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    error = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{error}")
    return usage.ru_utime + usage.ru_stime


def median_cpu(command: list[str], env: dict[str, str]) -> float:
    cpu_seconds(command, env)  # warm the file cache and the .pyc files
    return statistics.median(cpu_seconds(command, env) for _ in range(REPEATS))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, LPIP_DATABASE_URL=database_url(Path(folder)))
        python = [sys.executable, "-c"]
        floor = {
            "empty interpreter": median_cpu([*python, "pass"], env),
            "import typer": median_cpu([*python, "import typer"], env),
            "import sqlalchemy.orm + typer's option checks": median_cpu(
                [*python, "import sqlalchemy.orm, typer._adapters"], env),
        }
        runs = {
            "version": [str(LPIP), "--version"],
            "help": [str(LPIP), "--help"],
            "areas list": [str(LPIP), "areas", "list", "--level", "lad", "--within", "E12000005"],
            "areas list --format csv": [str(LPIP), "areas", "list", "--level", "lad", "--within", "E12000005",
                                        "--format", "csv"],
            "indicators list": [str(LPIP), "indicators", "list"],
        }
        figures = {name: median_cpu(command, env) for name, command in runs.items()}
    print(f"median CPU of {REPEATS} runs each (user + system, seconds)")
    for name, seconds in floor.items():
        print(f"  floor: {name:<46} {seconds:6.3f}")
    db_floor = floor["import sqlalchemy.orm + typer's option checks"]
    for name, seconds in figures.items():
        limit = LIMITS.get(name.split(" --")[0])
        verdict = "" if limit is None else (
            f"  limit {limit:.1f}  ratio {seconds / limit:4.2f}  {'OK' if seconds < limit else 'OVER THE LIMIT'}")
        floor_note = "" if name in ("version", "help") else f"  above floor {seconds - db_floor:5.3f}"
        print(f"  lpip {name:<42} {seconds:6.3f}{verdict}{floor_note}")


if __name__ == "__main__":
    main()
