"""IoD2019 deprivation summaries: against published File 10 values, the Statistical Release,
independent re-computations of the Appendix N method, and invariants; plus bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpip.bundled import bundled_path
from lpip.errors import InvalidDeprivationFile, UnknownAreaSet
from lpip.evidence import deprivation as dep
from lpip.evidence.deprivation_files import area_membership, bundled_lsoa_table, read_lsoa_file

FILE10 = Path(__file__).parents[1] / "data" / "deprivation" / "file10_lad_scores_proportions_extent.csv"
# Column prefix of each index in the File 10 extract (see tests/data/deprivation/README.md).
FILE10_PREFIX = {
    "imd": "", "income": "Income_", "employment": "Employment_", "education": "Education_",
    "health": "Health_", "crime": "Crime_", "barriers": "Housing_and_Access_",
    "living_environment": "Environment_",
}
SEVEN_AND_IMD = list(FILE10_PREFIX)
DOMAIN = {d.key: d for d in dep.DOMAINS}


@pytest.fixture(scope="module")
def lsoas() -> pd.DataFrame:
    return bundled_lsoa_table()


@pytest.fixture(scope="module")
def summary(lsoas) -> pd.DataFrame:
    return dep.summarise_deprivation(lsoas)


@pytest.fixture(scope="module")
def file10() -> pd.DataFrame:
    return pd.read_csv(FILE10).set_index("lad_code")


def column(summary: pd.DataFrame, domain: str, name: str) -> pd.Series:
    return summary[summary["domain"] == domain].set_index("area_code")[name]


def rank_from_published(published: pd.Series) -> pd.Series:
    """Rank implied by published (rounded) values, and whether the value is unique at that
    precision: only then does the published value alone fix the rank."""
    return published.rank(ascending=False, method="min"), ~published.duplicated(keep=False)


# --- Against published File 10 values ---------------------------------------------------

@pytest.mark.parametrize("domain", SEVEN_AND_IMD, ids=SEVEN_AND_IMD)
def test_average_scores_reproduce_file10(summary, file10, domain):
    ours = column(summary, domain, "average_score").reindex(file10.index)
    published = file10[FILE10_PREFIX[domain] + "Score"]
    # File 10 rounds to 3 decimals (0.0005) and was computed from unrounded LSOA scores;
    # lpip has the published 3-decimal LSOA scores, each within 0.0005, so their weighted
    # mean is too: the two can differ by at most 0.001.
    assert (ours - published).abs().max() <= 0.001


@pytest.mark.parametrize("domain", SEVEN_AND_IMD, ids=SEVEN_AND_IMD)
def test_rank_of_average_score_matches_file10_where_published_values_decide(summary, file10, domain):
    ours = column(summary, domain, "rank_of_average_score").reindex(file10.index).to_numpy(dtype=float)
    published = file10[FILE10_PREFIX[domain] + "Score"]
    expected, decided = rank_from_published(published)
    assert (ours[decided] == expected[decided]).all()
    # Wherever two published scores differ, the ranks are in the same order (ties in the
    # 3-decimal published values, common for Income and Employment rates, decide nothing).
    higher = published.to_numpy()[:, None] > published.to_numpy()[None, :]
    assert (ours[:, None] < ours[None, :])[higher].all()


@pytest.mark.parametrize("domain", SEVEN_AND_IMD, ids=SEVEN_AND_IMD)
def test_proportions_reproduce_file10(summary, file10, domain):
    ours = column(summary, domain, "proportion_most_deprived_10pc").reindex(file10.index)
    published = file10[FILE10_PREFIX[domain] + "Proportion"]
    assert (ours - published).abs().max() <= 0.00005 + 1e-12  # published to 4 decimals
    ranks = column(summary, domain, "rank_of_proportion_most_deprived_10pc").reindex(file10.index)
    expected, decided = rank_from_published(published)
    assert (ranks[decided] == expected[decided]).all()
    # Published zeros are exact, so the tie at zero is decided too: all share the better rank.
    zero = published == 0
    assert (ranks[zero] == expected[zero]).all() and (ranks[zero] == (~zero).sum() + 1).all()


def test_imd_extent_reproduces_file10(summary, file10):
    ours = column(summary, "imd", "extent").reindex(file10.index)
    # Published to 4 decimals (half a unit: 0.00005). One district, Hammersmith and Fulham
    # (E09000013: 0.164348 here, 0.1644 published), lies 2e-6 beyond that; allow 1e-5.
    assert (ours - file10["Extent"]).abs().max() <= 0.00005 + 1e-5
    ranks = column(summary, "imd", "rank_of_extent").reindex(file10.index)
    expected, decided = rank_from_published(file10["Extent"])
    assert (ranks[decided] == expected[decided]).all()


def test_statistical_release_five_highest_proportions(summary):
    # IoD2019 Statistical Release (26 Sept 2019), key findings: "Middlesbrough, Liverpool,
    # Knowsley, Kingston upon Hull and Manchester are the local authorities with the highest
    # proportions of neighbourhoods among the most deprived in England".
    imd = summary[summary["domain"] == "imd"].sort_values("rank_of_proportion_most_deprived_10pc")
    # Middlesbrough, Liverpool, Knowsley, Kingston upon Hull, Manchester:
    assert list(imd["area_code"].head(5)) == ["E06000002", "E08000012", "E08000011", "E06000010", "E08000003"]
    assert list(imd["rank_of_proportion_most_deprived_10pc"].head(5)) == [1, 2, 3, 4, 5]


def test_statistical_release_61_percent_of_districts_have_a_most_deprived_lsoa(summary):
    # Same release: "61 per cent of local authority districts contain at least one of the
    # most deprived neighbourhoods in England".
    proportion = column(summary, "imd", "proportion_most_deprived_10pc")
    assert round(100 * (proportion > 0).mean()) == 61


# --- Shape and which measures exist -----------------------------------------------------

def test_one_row_per_lad_and_domain_with_file10_measures(summary):
    assert list(summary.columns) == dep.OUTPUT_COLUMNS
    assert len(summary) == 317 * 10 and summary["area_code"].nunique() == 317
    assert list(summary["domain"].head(10)) == list(dep.DOMAIN_KEYS)
    filled = summary.groupby("domain")[list(dep.MEASURES)].apply(lambda f: f.notna().all())
    assert filled.loc["imd"].drop("scale").all()
    assert filled.loc[["income", "employment"], "scale"].all()
    assert not filled.loc[["imd", "education", "crime"], "scale"].any()
    assert not filled.drop(index="imd")[["extent", "local_concentration"]].any().any()
    assert not summary.loc[summary["domain"].isin(["idaci", "idaopi"]), list(dep.MEASURES)].notna().any().any()


def test_missing_idaci_and_idaopi_are_explained(summary):
    warnings = summary.attrs["warnings"]
    assert len(warnings) == 4
    assert warnings[0].startswith("idaci:") and "IDACI" in warnings[0]
    assert warnings[1].startswith("idaopi:") and "IDAOPI" in warnings[1]
    # The numerators MHCLG suppressed (empty cells in File 8) are counted, not hidden.
    assert warnings[2].startswith("income:") and "31 suppressed" in warnings[2]
    assert warnings[3].startswith("employment:") and "119 suppressed" in warnings[3]


def test_ranks_are_standard_competition_ranks(summary):
    for domain, values in summary.groupby("domain"):
        for measure in dep.MEASURES:
            if values[measure].isna().all():
                continue
            expected = values[measure].rank(ascending=False, method="min").astype("Int64")
            assert (values[f"rank_of_{measure}"] == expected).all(), (domain, measure)


# --- The method, re-computed independently -------------------------------------------------

def per_lad(lsoas: pd.DataFrame, function) -> pd.Series:
    return pd.Series({code: function(group) for code, group in lsoas.groupby(dep.LAD_CODE)})


@pytest.mark.parametrize("domain", SEVEN_AND_IMD, ids=SEVEN_AND_IMD)
def test_average_rank_is_weighted_mean_of_reversed_ranks(lsoas, summary, domain):
    index = DOMAIN[domain]
    expected = per_lad(lsoas, lambda g: np.average(32_845 - g[index.rank], weights=g[index.weight]))
    ours = column(summary, domain, "average_rank").reindex(expected.index)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-7)


def test_employment_is_weighted_by_working_age_population():
    assert DOMAIN["employment"].weight.startswith("Working age population 18-59/64")
    assert all(DOMAIN[d].weight.startswith("Total population") for d in SEVEN_AND_IMD if d != "employment")
    assert DOMAIN["idaci"].weight.startswith("Dependent Children aged 0-15")
    assert DOMAIN["idaopi"].weight.startswith("Older population aged 60 and over")


def reference_local_concentration(group: pd.DataFrame) -> float:
    """Walk down the LSOAs from the most deprived, taking population until 10% is reached."""
    group = group.sort_values(DOMAIN["imd"].rank)
    wanted = 0.1 * group[dep.TOTAL].sum()
    taken = weighted = 0.0
    for rank, population in zip(group[DOMAIN["imd"].rank], group[dep.TOTAL]):
        take = min(population, wanted - taken)
        if take <= 0:
            break
        taken += take
        weighted += take * (32_845 - rank)
    return weighted / wanted


def test_local_concentration_matches_a_step_by_step_computation(lsoas, summary):
    expected = per_lad(lsoas, reference_local_concentration)
    ours = column(summary, "imd", "local_concentration").reindex(expected.index)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)


def small_area(ranks: list[int], populations: list[int]) -> pd.DataFrame:
    imd = DOMAIN["imd"]
    return pd.DataFrame({
        dep.LSOA_CODE: [f"L{i}" for i in range(len(ranks))], dep.LAD_CODE: "A", dep.LAD_NAME: "A",
        dep.TOTAL: populations, imd.rank: ranks, imd.decile: [min(10, 1 + (r - 1) * 10 // 32_844) for r in ranks],
    })


def test_local_concentration_counts_the_boundary_lsoa_in_part():
    # 10% of 1,000 people = 100: all 50 of the most deprived LSOA (reversed rank 32,844) and
    # 50 of the 200 in the next (reversed rank 32,835): (50 x 32,844 + 50 x 32,835) / 100.
    frame = small_area([1, 10, 20_000], [50, 200, 750])
    result = dep.summarise_deprivation(frame)
    assert column(result, "imd", "local_concentration")["A"] == pytest.approx(32_839.5)


def test_extent_weights_follow_appendix_n():
    ranks = pd.Series([1, 3_284, 3_285, 3_612, 3_613, 9_525, 9_853, 9_854, 32_844])
    weights = dep.extent_weight(ranks)
    # Percentile p holds ranks (32,844 (p-1)/100, 32,844 p/100]: 3,284 is the last of the
    # 10th (= decile 1), 3,285 the first of the 11th (0.95), 9,853 the last of the 30th (0.05).
    step = 0.9 / 19
    np.testing.assert_allclose(weights, [1, 1, 0.95, 0.95, 0.95 - step, 0.05, 0.05, 0, 0], atol=1e-12)


def test_extent_lies_between_decile_one_and_deciles_one_to_three(lsoas, summary):
    imd = DOMAIN["imd"]
    share = lambda deciles: per_lad(  # noqa: E731
        lsoas, lambda g: g.loc[g[imd.decile].isin(deciles), dep.TOTAL].sum() / g[dep.TOTAL].sum())
    low, high = share([1]), share([1, 2, 3])
    extent = column(summary, "imd", "extent").reindex(low.index)
    assert (extent >= low - 1e-12).all() and (extent <= high + 1e-12).all()


NUMERATORS_2019 = "iod2019_lsoa11_england_domain_numerators.csv.gz"


def published_numerators(name: str = NUMERATORS_2019, lsoa: str = "LSOA code (2011)",
                         lad: str = "Local Authority District code (2019)") -> pd.DataFrame:
    """IoD File 8 numerators read straight from the bundled file (empty = suppressed)."""
    frame = pd.read_csv(bundled_path(name))
    return frame.rename(columns={lsoa: "lsoa", lad: "lad"})


@pytest.mark.parametrize(("domain", "numerator"), [("income", "Income Domain numerator"),
                                                   ("employment", "Employment Domain numerator")],
                         ids=["income", "employment"])
def test_2019_scale_is_the_sum_of_published_numerators(summary, domain, numerator):
    counts = published_numerators()
    complete = counts.groupby("lad")[numerator].apply(lambda c: c.notna().all())
    expected = counts.groupby("lad")[numerator].sum()[complete]
    ours = column(summary, domain, "scale")
    assert complete.sum() > 250  # most districts have no suppressed LSOA
    np.testing.assert_array_equal(ours[expected.index].to_numpy(), expected.to_numpy(dtype=float))
    # Districts with suppressed LSOAs: the published sum plus each suppressed LSOA's published
    # rate x its denominator, rounded (read here from File 5 scores and File 6 populations).
    partial = complete.index[~complete]
    suppressed = counts.loc[counts[numerator].isna(), ["lsoa", "lad"]]
    rates = pd.read_csv(bundled_path("iod2019_lsoa_scores_england.csv.gz")).set_index("LSOA code (2011)")
    people = pd.read_csv(bundled_path("iod2019_lsoa_england_ranks_deciles_population.csv.gz")).set_index("LSOA code (2011)")
    score = f"{domain.capitalize()} Score (rate)"
    fills = (rates.loc[suppressed["lsoa"], score].to_numpy() * people.loc[suppressed["lsoa"], DOMAIN[domain].weight]).round()
    expected_gap = pd.Series(fills.to_numpy(), index=suppressed["lad"].to_numpy()).groupby(level=0).sum()
    gap = ours[partial] - counts.groupby("lad")[numerator].sum()[partial]
    np.testing.assert_allclose(gap.to_numpy(), expected_gap[partial].to_numpy())
    assert len(suppressed) == {"income": 31, "employment": 119}[domain]


@pytest.mark.parametrize("domain", ["income", "employment"], ids=["income", "employment"])
def test_scale_without_numerators_is_rate_times_weight_population(domain):
    lsoas = bundled_lsoa_table(numerators=False)
    summary = dep.summarise_deprivation(lsoas)
    index = DOMAIN[domain]
    expected = per_lad(lsoas, lambda g: float((g[index.score] * g[index.weight]).sum()))
    ours = column(summary, domain, "scale").reindex(expected.index)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert any("APPROXIMATION" in w for w in summary.attrs["warnings"])


# --- IoD2025 (LSOA 2021, districts of 2024) ------------------------------------------------

FILE7_2025 = "iod2025_lsoa21_england_ranks_deciles_scores.csv.gz"
FILE6_2025 = "iod2025_lsoa21_england_population_denominators.csv.gz"
WM_2024 = "E12000005"


@pytest.fixture(scope="module")
def lsoas_2025() -> pd.DataFrame:
    """File 7 and File 6 joined by plain pandas, independently of lpip's readers."""
    ranks = pd.read_csv(bundled_path(FILE7_2025))
    people = pd.read_csv(bundled_path(FILE6_2025)).drop(columns=["LSOA name (2021)", "Local Authority District code (2024)",
                                                                  "Local Authority District name (2024)"])
    return ranks.merge(people, on="LSOA code (2021)")


@pytest.fixture(scope="module")
def summary_2025() -> pd.DataFrame:
    return dep.summarise_deprivation(bundled_lsoa_table("2025"), edition="2025")


def wm_districts_2024() -> list[str]:
    lookup = pd.read_csv(bundled_path("lookup_lsoa21_lad24_england.csv.gz"))
    return sorted(lookup.loc[lookup["RGN24CD"] == WM_2024, "LAD24CD"].unique())


def test_iod2025_covers_296_districts_of_2024(summary_2025):
    assert summary_2025["area_code"].nunique() == 296 and len(wm_districts_2024()) == 30
    assert summary_2025.attrs["edition"] == "2025"
    imd = summary_2025[summary_2025["domain"] == "imd"]
    assert sorted(imd["rank_of_average_rank"].astype(int))[:3] == [1, 2, 3]
    assert imd["rank_of_average_rank"].max() <= 296


def test_iod2025_wm_summaries_recomputed_from_the_lsoa_file(summary_2025, lsoas_2025):
    n = 33_755
    rank = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
    decile = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
    people = "Total population: mid 2022"
    imd = summary_2025[summary_2025["domain"] == "imd"].set_index("area_code")
    for code in wm_districts_2024():
        rows = lsoas_2025[lsoas_2025["Local Authority District code (2024)"] == code]
        weights = rows[people].to_numpy(dtype=float)
        average_rank = float(np.sum(weights * (n + 1 - rows[rank])) / weights.sum())
        share = float((rows[decile] == 1).mean())
        extent = 0.0
        for r, w in zip(rows[rank], weights):
            percentile = -(-r * 100 // n)  # ceiling in integers
            extent += w * (1.0 if percentile <= 10 else 0.95 - (percentile - 11) * 0.9 / 19 if percentile <= 30 else 0.0)
        extent /= weights.sum()
        assert imd.at[code, "average_rank"] == pytest.approx(average_rank, rel=1e-12)
        assert imd.at[code, "proportion_most_deprived_10pc"] == pytest.approx(share, abs=1e-15)
        assert imd.at[code, "extent"] == pytest.approx(extent, rel=1e-12)


def test_iod2025_employment_is_weighted_by_working_age_18_to_66(summary_2025, lsoas_2025):
    code = "E08000028"  # Sandwell
    rows = lsoas_2025[lsoas_2025["Local Authority District code (2024)"] == code]
    weight = "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022"
    expected = np.average(rows["Employment Score (rate)"], weights=rows[weight])
    ours = summary_2025.query("area_code == @code and domain == 'employment'")["average_score"].iloc[0]
    assert ours == pytest.approx(expected, rel=1e-12)


def test_iod2025_scale_sums_the_2025_numerators(summary_2025):
    counts = published_numerators("iod2025_lsoa21_england_domain_numerators.csv.gz", "LSOA code (2021)",
                                  "Local Authority District code (2024)")
    for domain, numerator in (("income", "Income Domain numerator"), ("employment", "Employment Domain numerator")):
        complete = counts.groupby("lad")[numerator].apply(lambda c: c.notna().all())
        expected = counts.groupby("lad")[numerator].sum()[complete]
        ours = column(summary_2025, domain, "scale")
        np.testing.assert_array_equal(ours[expected.index].to_numpy(), expected.to_numpy(dtype=float))
    assert any("5 suppressed" in w for w in summary_2025.attrs["warnings"])


def test_iod2025_idaci_and_idaopi_average_rank_and_share_are_exact(summary_2025, lsoas_2025):
    code = "E08000030"  # Walsall
    rows = lsoas_2025[lsoas_2025["Local Authority District code (2024)"] == code]
    for key, label, weight in (  # noqa: B007 (key is read by the query below)
        ("idaci", "Income Deprivation Affecting Children Index (IDACI)", "Dependent Children aged 0-15: mid 2022"),
        ("idaopi", "Income Deprivation Affecting Older People (IDAOPI)", "Older population aged 60 and over: mid 2022"),
    ):
        ranks = rows[f"{label} Rank (where 1 is most deprived)"]
        expected = np.average(33_756 - ranks, weights=rows[weight])
        row = summary_2025.query("area_code == @code and domain == @key").iloc[0]
        assert row["average_rank"] == pytest.approx(expected, rel=1e-12)
        assert row["proportion_most_deprived_10pc"] == pytest.approx(
            (rows[f"{label} Decile (where 1 is most deprived 10% of LSOAs)"] == 1).mean())
        assert np.isnan(row["average_score"])  # no IDACI/IDAOPI scores in the bundled files
    assert any(w.startswith("idaci:") and "File 7" in w for w in summary_2025.attrs["warnings"])


def test_among_areas_ranking_ranks_the_set_among_itself(lsoas):
    membership = dep.lad_membership(lsoas)
    wm = membership[membership["area_code"].str.match(r"E0800002[5-9]|E0800003[01]")]
    among_lads = dep.summarise_deprivation(lsoas, wm)
    among_areas = dep.summarise_deprivation(lsoas, wm, ranking="among_areas")
    imd_lads = among_lads[among_lads["domain"] == "imd"].set_index("area_code")
    imd_areas = among_areas[among_areas["domain"] == "imd"].set_index("area_code")
    pd.testing.assert_series_equal(imd_lads["average_score"], imd_areas["average_score"])
    expected = imd_areas["average_score"].rank(ascending=False, method="min").astype(int)
    assert imd_areas["rank_of_average_score"].astype(int).to_dict() == expected.to_dict()
    assert sorted(imd_areas["rank_of_average_score"].astype(int)) == list(range(1, 8))


def test_unknown_edition_is_refused():
    with pytest.raises(InvalidDeprivationFile, match="use 2025 .* or 2019"):
        dep.get_edition("2015")


# --- Custom areas ------------------------------------------------------------------------

def test_single_lad_areas_reproduce_the_lad_rows(lsoas, summary):
    membership = dep.lad_membership(lsoas).assign(area_code=lambda f: "X-" + f["area_code"])
    custom = dep.summarise_deprivation(lsoas, membership)
    custom["area_code"] = custom["area_code"].str.removeprefix("X-")
    pd.testing.assert_frame_equal(custom.reset_index(drop=True), summary.reset_index(drop=True))


def test_union_of_lads_is_population_weighted_and_ranked_among_lads(lsoas, summary):
    codes = ["E08000025", "E08000029"]  # Birmingham and Solihull
    members = dep.lad_membership(lsoas).query("area_code in @codes")
    custom = dep.summarise_deprivation(lsoas, members.assign(area_code="BSOL", area_name="B&S"))
    imd = column(custom, "imd", "average_score")["BSOL"]
    population = lsoas.groupby(dep.LAD_CODE)[dep.TOTAL].sum()[codes]
    lad_scores = column(summary, "imd", "average_score")[codes]
    assert imd == pytest.approx(np.average(lad_scores, weights=population), abs=1e-9)
    lads = column(summary, "imd", "average_score")
    assert column(custom, "imd", "rank_of_average_score")["BSOL"] == 1 + (lads > imd).sum()
    counts = lsoas.groupby(dep.LAD_CODE).size()[codes]
    proportion = column(summary, "imd", "proportion_most_deprived_10pc")[codes]
    assert column(custom, "imd", "proportion_most_deprived_10pc")["BSOL"] == pytest.approx(
        np.average(proportion, weights=counts))


def test_custom_area_ranks_never_displace_lads(lsoas, summary):
    birmingham = dep.lad_membership(lsoas).query("area_code == 'E08000025'")
    both = pd.concat([dep.lad_membership(lsoas), birmingham.assign(area_code="COPY", area_name="Copy")])
    result = dep.summarise_deprivation(lsoas, both)
    imd = result[result["domain"] == "imd"].set_index("area_code")
    # The copy shares Birmingham's rank; no district moves down to make room for it.
    assert imd.loc["COPY", "rank_of_average_score"] == imd.loc["E08000025", "rank_of_average_score"]
    pd.testing.assert_series_equal(imd.drop(index="COPY")["rank_of_extent"],
                                   column(summary, "imd", "rank_of_extent"))


def test_idaci_and_idaopi_are_computed_when_the_input_has_them(lsoas):
    # The bundle has no IDACI/IDAOPI data. To exercise that path, the real Income columns are
    # copied under the IDACI/IDAOPI names: these are NOT IDACI/IDAOPI values; the test checks
    # only that those indices are summarised with their own population weights.
    income, idaci, idaopi = DOMAIN["income"], DOMAIN["idaci"], DOMAIN["idaopi"]
    copies = {}
    for target in (idaci, idaopi):
        copies.update({target.rank: lsoas[income.rank], target.decile: lsoas[income.decile],
                       target.score: lsoas[income.score]})
    frame = lsoas.assign(**copies)
    result = dep.summarise_deprivation(frame)
    assert not [w for w in result.attrs["warnings"] if w.startswith(("idaci", "idaopi"))]
    for target, weight in ((idaci, dep.CHILDREN), (idaopi, dep.OLDER)):
        expected = per_lad(frame, lambda g, weight=weight: np.average(g[income.score], weights=g[weight]))
        ours = column(result, target.key, "average_score").reindex(expected.index)
        np.testing.assert_allclose(ours, expected, rtol=1e-12)
        assert column(result, target.key, "scale").isna().all()


def test_subset_input_warns_that_ranks_are_among_fewer_districts(lsoas):
    west_midlands = lsoas[lsoas[dep.LAD_CODE].str.match(r"E0800002[5-9]|E0800003[01]")]
    result = dep.summarise_deprivation(west_midlands)
    assert result["area_code"].nunique() == 7
    assert any("covers 7 local authority districts, not all 317" in w for w in result.attrs["warnings"])
    assert column(result, "imd", "rank_of_average_score").max() <= 7


def test_area_outside_the_input_is_empty_and_explained(lsoas):
    membership = pd.DataFrame({"area_code": ["NONE"], "area_name": ["Nowhere"], "lsoa_code": ["E01999999"]})
    result = dep.summarise_deprivation(lsoas, membership)
    assert len(result) == 10 and result[list(dep.MEASURES)].isna().all().all()
    assert any(w.startswith("NONE: 1 of its 1 LSOAs are not in the input") for w in result.attrs["warnings"])


# --- Reading files and memberships -----------------------------------------------------------

@pytest.fixture(scope="module")
def bundled_csv(lsoas, tmp_path_factory) -> Path:
    """The bundled table as a File 7-style CSV, populations with thousands separators."""
    frame = lsoas.copy()
    frame[dep.TOTAL] = frame[dep.TOTAL].map("{:,}".format)
    path = tmp_path_factory.mktemp("deprivation") / "file7.csv"
    frame.to_csv(path, index=False)
    return path


def test_reading_a_file7_csv_gives_the_same_summaries(bundled_csv, summary):
    result = dep.summarise_deprivation(read_lsoa_file(bundled_csv))
    pd.testing.assert_frame_equal(result, summary)


def test_lad_columns_come_from_the_lookup_when_absent(lsoas, tmp_path, summary):
    path = tmp_path / "no_lad.csv"
    lsoas.drop(columns=[dep.LAD_CODE, dep.LAD_NAME]).to_csv(path, index=False)
    result = dep.summarise_deprivation(read_lsoa_file(path))
    pd.testing.assert_frame_equal(result, summary)


def write_variant(lsoas: pd.DataFrame, tmp_path: Path, change) -> Path:
    frame = lsoas.head(40).astype(str)
    change(frame)
    path = tmp_path / "input.csv"
    frame.to_csv(path, index=False)
    return path


def test_missing_columns_are_named(lsoas, tmp_path):
    path = write_variant(lsoas, tmp_path, lambda f: None)
    ranks = [d.rank for d in dep.DOMAINS if d.rank in lsoas]
    pd.read_csv(path).drop(columns=[dep.TOTAL, *ranks]).to_csv(path, index=False)
    with pytest.raises(InvalidDeprivationFile) as error:
        read_lsoa_file(path)
    message = str(error.value)
    assert "missing column(s)" in message and repr(dep.TOTAL) in message
    assert "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)" in message


def test_lsoa_codes_not_in_the_lookup_are_listed(lsoas, tmp_path):
    def change(frame):
        frame.loc[3, dep.LSOA_CODE] = "E01099999"
        frame.loc[7, dep.LSOA_CODE] = "W01000001"
    with pytest.raises(InvalidDeprivationFile) as error:
        read_lsoa_file(write_variant(lsoas, tmp_path, change))
    assert error.value.errors[0].startswith("row 5: 'E01099999' is not an LSOA (2011) code")
    assert error.value.errors[1].startswith("row 9: 'W01000001'")
    assert "2 LSOA code problem(s)" in str(error.value)


def test_duplicate_lsoa_is_reported(lsoas, tmp_path):
    def change(frame):
        frame.loc[5, dep.LSOA_CODE] = frame.loc[4, dep.LSOA_CODE]
    with pytest.raises(InvalidDeprivationFile, match="row 7: LSOA E01000006 appears again"):
        read_lsoa_file(write_variant(lsoas, tmp_path, change))


def test_non_numeric_rank_names_row_and_column(lsoas, tmp_path):
    rank = DOMAIN["crime"].rank
    def change(frame):
        frame.loc[0, rank] = "n/a"
    with pytest.raises(InvalidDeprivationFile) as error:
        read_lsoa_file(write_variant(lsoas, tmp_path, change))
    assert error.value.errors == [f"row 2, column {rank!r}: 'n/a' is not a number"]


def test_rank_outside_1_to_32844_is_reported(lsoas, tmp_path):
    rank = DOMAIN["imd"].rank
    def change(frame):
        frame.loc[2, rank] = "40000"
    with pytest.raises(InvalidDeprivationFile, match=r"row 4, .*: 40000 is not a whole number from 1 to 32,844"):
        read_lsoa_file(write_variant(lsoas, tmp_path, change))


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(InvalidDeprivationFile, match="file not found"):
        read_lsoa_file(tmp_path / "nope.csv")


def test_dataframe_without_required_columns_is_refused(lsoas):
    with pytest.raises(InvalidDeprivationFile, match="The LSOA table lacks column"):
        dep.summarise_deprivation(lsoas.drop(columns=[dep.TOTAL]))


def test_dataframe_with_text_in_a_rank_column_is_refused(lsoas):
    rank = DOMAIN["health"].rank
    frame = lsoas.astype({rank: object})
    frame.loc[frame.index[2], rank] = "unknown"
    with pytest.raises(InvalidDeprivationFile, match=f"LSOA {frame.loc[frame.index[2], dep.LSOA_CODE]}"):
        dep.summarise_deprivation(frame)


def test_set_membership_reaches_every_lsoa_once_per_area(session):
    members = area_membership(session, "wm-subregions")
    assert members["area_code"].nunique() == 6
    # The six sub-regions partition the 3,487 West Midlands LSOAs.
    assert members["lsoa_code"].is_unique and len(members) == 3_487


def test_region_membership_covers_england(session):
    members = area_membership(session, "region")
    assert members["area_code"].nunique() == 9 and len(members) == 32_844 and members["lsoa_code"].is_unique


def test_unknown_set_name_suggests_the_nearest(session):
    with pytest.raises(UnknownAreaSet, match="did you mean 'wm-subregions'"):
        area_membership(session, "wm-subregion")
