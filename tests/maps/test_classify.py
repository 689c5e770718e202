"""Classification: every value in the class its bins say, each scheme checked against an
independent computation on the real IoD2019 scores of the 3,487 West Midlands LSOAs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lpip.bundled import IOD_RANKS, IOD_SCORES, LSOA_LOOKUP, bundled_path
from lpip.errors import InvalidAnalysisOption, NoData
from lpip.maps.classify import NO_DATA, SCHEMES, classify, format_number, range_labels

IMD = "Index of Multiple Deprivation (IMD) Score"
HEALTH = "Health Deprivation and Disability Score"


@pytest.fixture(scope="module")
def wm_scores() -> pd.DataFrame:
    """IoD2019 scores of the West Midlands LSOAs, straight from the bundled files."""
    lookup = pd.read_csv(bundled_path(LSOA_LOOKUP), usecols=["LSOA11CD", "RGN19CD"])
    codes = lookup.loc[lookup["RGN19CD"] == "E12000005", "LSOA11CD"]
    scores = pd.read_csv(bundled_path(IOD_SCORES)).set_index("LSOA code (2011)")
    return scores.loc[codes]


@pytest.fixture(scope="module")
def imd(wm_scores) -> np.ndarray:
    return wm_scores[IMD].to_numpy()


def assert_classes_follow_bins(values, result) -> None:
    """Class c holds bins[c - 1] < value <= bins[c]; class 0 starts at the minimum."""
    values = np.asarray(values, dtype=float)
    present = np.isfinite(values)
    classes = result.classes[present]
    v = values[present]
    upper = result.bins[classes]
    lower = np.where(classes == 0, -np.inf, result.bins[np.maximum(classes - 1, 0)])
    assert (v <= upper).all()
    assert (v > lower).all()
    assert (v[classes == 0] >= result.lower).all()


def test_the_wm_scores_are_the_published_set(imd):
    # SOURCES.md: 3,487 West Midlands LSOAs; IoD2019 scores have no missing values.
    assert len(imd) == 3487 and np.isfinite(imd).all()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("k", [3, 5, 7, 9])
def test_every_value_is_in_the_class_its_bins_say(imd, scheme, k):
    result = classify(imd, scheme, k)
    assert result.k == k == len(result.bins) == len(result.labels) == len(result.counts)
    assert np.all(np.diff(result.bins) > 0)
    assert result.bins[-1] == imd.max() and result.lower == imd.min()
    assert sum(result.counts) == len(imd)
    assert_classes_follow_bins(imd, result)


@pytest.mark.parametrize("k", [4, 5, 10 - 1])
def test_quantile_bins_are_numpys_percentiles(imd, k):
    result = classify(imd, "quantiles", k)
    expected = np.percentile(imd, np.linspace(100 / k, 100, k))
    np.testing.assert_allclose(result.bins, expected)
    # IMD scores are almost all distinct, so the classes hold n / k areas each, give or take one.
    assert max(result.counts) - min(result.counts) <= 1


def test_equal_interval_bins_split_the_range_evenly(imd):
    result = classify(imd, "equal_interval", 5)
    expected = imd.min() + (imd.max() - imd.min()) * np.arange(1, 6) / 5
    np.testing.assert_allclose(result.bins, expected)


def test_fisher_jenks_agrees_with_mapclassify(wm_scores):
    # mapclassify's own (pure Python) Fisher-Jenks as the reference, on 300 real scores:
    # small enough for it to be quick.
    import mapclassify

    values = wm_scores[HEALTH].to_numpy()[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Numba not installed"
        reference = mapclassify.FisherJenks(values, k=5)
    result = classify(values, "fisher_jenks", 5)
    np.testing.assert_allclose(result.bins, reference.bins)
    np.testing.assert_array_equal(result.classes, reference.yb)


def within_class_squares(values, result) -> float:
    return sum(((values[result.classes == c] - values[result.classes == c].mean()) ** 2).sum()
               for c in range(result.k) if (result.classes == c).any())


def test_fisher_jenks_makes_the_tightest_classes(imd):
    # Fisher-Jenks minimises the within-class sum of squares; no other scheme may beat it.
    jenks = within_class_squares(imd, classify(imd, "fisher_jenks", 5))
    for scheme in ("quantiles", "equal_interval"):
        assert jenks <= within_class_squares(imd, classify(imd, scheme, 5))


def test_missing_values_are_no_data(imd):
    values = imd[:50].copy()
    values[[3, 17, 40]] = np.nan
    values[45:] = np.nan
    result = classify(list(values[:45]) + [None] * 5, "quantiles", 5)  # NaN and None alike
    assert result.no_data == 3 + 5
    assert set(np.flatnonzero(result.classes == NO_DATA)) == {3, 17, 40, 45, 46, 47, 48, 49}
    assert sum(result.counts) == 42
    assert result.lower == np.nanmin(values) and result.bins[-1] == np.nanmax(values)
    assert_classes_follow_bins(values, result)


def test_all_missing_is_an_error():
    with pytest.raises(NoData, match="no values to classify"):
        classify([np.nan, None, np.nan])


def test_fewer_distinct_values_than_classes():
    # Real IMD deciles limited to 1, 2 and 3: three distinct values make three classes in every scheme.
    ranks = pd.read_csv(bundled_path(IOD_RANKS))
    column = next(c for c in ranks.columns if c.startswith("Index of Multiple Deprivation (IMD) Decile"))
    deciles = ranks[column].to_numpy(dtype=float)
    values = deciles[np.isin(deciles, [1, 2, 3])][:500]
    for scheme in SCHEMES:
        result = classify(values, scheme, 5)
        assert result.k == 3
        assert result.bins.tolist() == [1.0, 2.0, 3.0]
        assert_classes_follow_bins(values, result)


def test_quantiles_on_tied_values_drop_empty_bins():
    ranks = pd.read_csv(bundled_path(IOD_RANKS))
    column = next(c for c in ranks.columns if c.startswith("Index of Multiple Deprivation (IMD) Decile"))
    deciles = ranks[column].to_numpy(dtype=float)[:2000]
    result = classify(deciles, "quantiles", 9)
    assert np.all(np.diff(result.bins) > 0)
    assert_classes_follow_bins(deciles, result)


@pytest.mark.parametrize("scheme", ["Fisher-Jenks", "fisher-jenks", "QUANTILES", "equal interval"])
def test_scheme_names_are_forgiving(imd, scheme):
    assert classify(imd, scheme, 5).scheme in SCHEMES


@pytest.mark.parametrize("scheme", ["natural", "kmeans", ""])
def test_unknown_scheme(imd, scheme):
    with pytest.raises(InvalidAnalysisOption, match="quantiles, fisher_jenks, equal_interval"):
        classify(imd, scheme)


@pytest.mark.parametrize("k", [0, 1, 10, 50])
def test_classes_out_of_range(imd, k):
    with pytest.raises(InvalidAnalysisOption, match="2 to 9 classes"):
        classify(imd, "quantiles", k)


def test_labels_are_distinct_ranges(imd):
    result = classify(imd, "quantiles", 7)
    assert len(set(result.labels)) == 7
    assert all(" to " in label for label in result.labels)
    # Each label ends where the next begins.
    ends = [label.split(" to ")[1] for label in result.labels]
    starts = [label.split(" to ")[0] for label in result.labels]
    assert ends[:-1] == starts[1:]


@pytest.mark.parametrize(("lower", "bins", "expected"), [
    (2.4, np.array([2.82, 3.14, 7.3]), ["2.40 to 2.82", "2.82 to 3.14", "3.14 to 7.30"]),
    (1, np.array([1000.0, 25000.0, 32844.0]), ["1 to 1,000", "1,000 to 25,000", "25,000 to 32,844"]),
    (0.005, np.array([0.1, 0.25, 0.61]), ["0.005 to 0.100", "0.100 to 0.250", "0.250 to 0.610"]),
], ids=["percent", "ranks", "proportions"])
def test_range_labels(lower, bins, expected):
    assert range_labels(lower, bins) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (7.3, "7.3"), (7.30001, "7.3"), (78.12, "78.1"), (32844.0, "32,844"), (0.1234, "0.123"), (512.4, "512"),
    (-1.654, "-1.65"), (0, "0"),
])
def test_format_number(value, expected):
    assert format_number(value) == expected
