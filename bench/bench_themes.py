"""Benchmark: coding and themes for 10,000 contributions.

Run: .venv/bin/python bench/bench_themes.py

The text is real: every comment of the two pol.is conversations in ../shared/data/polis that
was not moderated out (316 + 154 = 470 comments), RESAMPLED WITH REPLACEMENT (seeded) to
10,000 contributions, so most comments appear about 21 times. That keeps the words and the
length of real contributions; the repeats make the corpus less varied than 10,000 different
notes would be. Sectors and tables are dealt out in turn, only to give the coverage and the
spread something to split by.

Limit: under 10 s for rule coding + coverage + themes (number of topics chosen by coherence).
The sentence-embedding backend is not timed here (it is optional and needs PyTorch).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from lpip.deliberation.agreement import compare_coders
from lpip.deliberation.codebook import default_codebook
from lpip.deliberation.coding import code_by_rules, coverage, polis_contributions
from lpip.deliberation.polis import read_polis_export
from lpip.deliberation.themes import find_themes

LIMIT_SECONDS = 10.0
N_CONTRIBUTIONS = 10_000
POLIS_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis"
CONVERSATIONS = ("bg2050-volunteers", "scoop-hivemind.biodiversity")


def resampled_comments(n: int = N_CONTRIBUTIONS, seed: int = 0) -> tuple[pd.DataFrame, int]:
    """Real pol.is comments resampled with replacement to n rows (see the module notes)."""
    comments = pd.concat([polis_contributions(read_polis_export(POLIS_DATA / c)) for c in CONVERSATIONS],
                         ignore_index=True)
    rng = np.random.default_rng(seed)
    sample = comments.iloc[rng.integers(0, len(comments), n)].reset_index(drop=True)
    sample["contribution_id"] = np.arange(1, n + 1)
    sample["sector"] = [("public", "private", "voluntary and community", "resident")[i % 4] for i in range(n)]
    sample["table"] = np.arange(n) % 8 + 1
    return sample, len(comments)


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    missing = [c for c in CONVERSATIONS if not (POLIS_DATA / c).is_dir()]
    if missing:
        # Like the other benchmarks: the real text lives in ../shared, which an installed copy lacks.
        print(f"skipped: the real pol.is conversations {', '.join(missing)} are not in {POLIS_DATA} "
              "(../shared/data/polis beside the repository)")
        return
    contributions, distinct = resampled_comments()
    book = default_codebook()
    print(f"{N_CONTRIBUTIONS:,} contributions: {distinct} real pol.is comments resampled with replacement")
    coded, t_rules = timed(code_by_rules, contributions, book)
    _, t_cov_code = timed(coverage, coded, contributions, "code", book)
    _, t_cov_sector = timed(coverage, coded, contributions, "sector", book)
    themes, t_themes = timed(find_themes, contributions)
    total = t_rules + t_cov_code + t_cov_sector + t_themes
    found = coded.dropna(subset=["code"])
    print(f"rule coding       {t_rules:6.2f} s  ({len(found):,} assignments on "
          f"{found['contribution_id'].nunique():,} contributions)")
    print(f"coverage by code  {t_cov_code:6.2f} s")
    print(f"coverage by sector{t_cov_sector:6.2f} s")
    print(f"themes (NMF)      {t_themes:6.2f} s  ({themes.n_topics} topics chosen by NPMI from "
          f"{len(themes.coherence)} candidates)")
    print(f"total             {total:6.2f} s  limit {LIMIT_SECONDS:.0f} s  ratio {total / LIMIT_SECONDS:.2f}  "
          f"{'OK' if total < LIMIT_SECONDS else 'OVER THE LIMIT'}")
    fixed, t_fixed = timed(find_themes, contributions, 8)
    print(f"themes, 8 topics given: {t_fixed:.2f} s")
    second = code_by_rules(contributions, book.assign(keywords=book["keywords"].map(lambda k: "; ".join(k.split("; ")[::2]))),
                           coder="half-keywords")
    _, t_agree = timed(compare_coders, pd.concat([coded, second], ignore_index=True))
    print(f"agreement of two rule coders (kappa, alpha, disagreements): {t_agree:.2f} s")


if __name__ == "__main__":
    main()
