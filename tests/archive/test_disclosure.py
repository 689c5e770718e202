"""k-anonymity: coarsen then suppress, counted independently of the code under test."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from lpip.archive.disclosure import QUASI_IDENTIFIERS, SUPPRESSED, k_anonymity, protect, suppress_small

COARSER = {"E08000027": {"subregion": "WM-BC", "region": "E12000005"},
           "E08000028": {"subregion": "WM-BC", "region": "E12000005"},
           "E08000025": {"subregion": "WM-BSOL", "region": "E12000005"}}


def people(rows):
    return pd.DataFrame(rows, columns=["sector", "organisation_kind", "area_code", "area_level", "role"])


def smallest_group(frame: pd.DataFrame) -> int:
    counts = Counter(tuple("" if pd.isna(v) else v for v in row) for row in frame[list(QUASI_IDENTIFIERS)].itertuples(index=False))
    return min(counts.values())


def test_nothing_changes_when_k_already_holds():
    frame = people([("public", "local authority", "E08000027", "district", "participant")] * 3)
    result = protect(frame, COARSER, k=3)
    assert result.steps == [] and result.suppressed == 0 and result.k_achieved == 3
    pd.testing.assert_frame_equal(result.table, frame)


def test_districts_coarsen_to_the_sub_region_first():
    frame = people([("public", "council", "E08000027", "district", "participant")] * 2
                   + [("public", "council", "E08000028", "district", "participant")] * 2)
    result = protect(frame, COARSER, k=3)
    assert result.steps == ["areas coarsened from district to workshop sub-region"]
    assert set(result.table["area_code"]) == {"WM-BC"} and set(result.table["area_level"]) == {"subregion"}
    assert result.k_achieved == smallest_group(result.table) == 4


def test_suppression_makes_every_group_k_or_more():
    rows = [("public", "council", "E08000027", "district", "participant")] * 6
    rows += [("private", "business", "E08000025", "district", "table host"), ("academic", "university", None, None, "participant")]
    result = protect(people(rows), COARSER, k=3)
    table = result.table
    assert smallest_group(table) >= 3 and result.k_achieved == smallest_group(table)
    assert (table["sector"] == SUPPRESSED).sum() == result.suppressed >= 3


@pytest.mark.parametrize("seed", range(5))
def test_random_rosters_reach_k(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = [(rng.choice(["public", "private", "academic", "resident", "civil society"]),
             rng.choice(["council", "business", "charity", None]), rng.choice(list(COARSER)), "district",
             rng.choice(["participant", "table host"])) for _ in range(40)]
    result = protect(people(rows), COARSER, k=3)
    assert smallest_group(result.table) >= 3
    assert k_anonymity(result.table) == smallest_group(result.table)


def test_small_counts_are_suppressed_in_summaries():
    assert [suppress_small(n, 3) for n in (0, 1, 2, 3, 10)] == ["0", "fewer than 3", "fewer than 3", "3", "10"]
