"""Classifying values into the colour classes of a choropleth.

Three schemes, as mapclassify names them: quantiles (the default: about the same number of
areas in each class), Fisher-Jenks natural breaks (classes as internally alike as possible)
and equal intervals (classes of equal width). Bins are upper bounds: class ``i`` holds the
values ``bins[i - 1] < value <= bins[i]`` and class 0 runs from the minimum to ``bins[0]``.
Missing values are "no data", class -1, never a class of their own making.

Fisher-Jenks uses jenkspy, a compiled implementation of the same optimal algorithm as
``mapclassify.FisherJenks``: without numba, mapclassify's pure-Python version takes about
half a minute for the 3,487 West Midlands LSOAs; jenkspy takes milliseconds.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from lpip.errors import InvalidAnalysisOption, NoData
from lpip.maps.palettes import check_classes

SCHEMES = ("quantiles", "fisher_jenks", "equal_interval")
SCHEME_NAMES = {
    "quantiles": "quantiles", "fisher_jenks": "Fisher-Jenks natural breaks", "equal_interval": "equal intervals",
}
NO_DATA = -1


@dataclass(frozen=True)
class Classification:
    """Values sorted into classes.

    Attributes
    ----------
    scheme : str
        quantiles, fisher_jenks or equal_interval.
    k : int
        The number of classes made; fewer than asked when the values have fewer distinct
        values than classes asked for (or quantiles fall on tied values).
    bins : ndarray
        Upper bound of each class, ascending; the last is the maximum.
    lower : float
        The minimum value, the lower bound of class 0.
    labels : list of str
        Each class's range in words, "12.3 to 15.6".
    classes : ndarray of int
        The class of each value, in input order; -1 for a missing value ("no data").
    counts : list of int
        How many values fall in each class.
    """

    scheme: str
    k: int
    bins: np.ndarray
    lower: float
    labels: list[str]
    classes: np.ndarray
    counts: list[int]

    @property
    def no_data(self) -> int:
        """How many values were missing."""
        return int((self.classes == NO_DATA).sum())

    @property
    def edges(self) -> np.ndarray:
        """The lower bound followed by every upper bound (k + 1 numbers)."""
        return np.concatenate([[self.lower], self.bins])


def check_scheme(scheme: str) -> str:
    """The scheme's canonical name ("Fisher-Jenks" and "fisher-jenks" become fisher_jenks)."""
    name = str(scheme).strip().lower().replace("-", "_").replace(" ", "_")
    if name not in SCHEMES:
        raise InvalidAnalysisOption(
            f"There is no classification scheme {scheme!r}; use one of {', '.join(SCHEMES)} "
            "(--scheme quantiles is the default)."
        )
    return name


def classify(values, scheme: str = "quantiles", k: int = 5) -> Classification:
    """Sort values into ``k`` classes for a choropleth.

    Parameters
    ----------
    values : array-like of float
        One value per area; NaN (or None) where an area has no data.
    scheme : str
        "quantiles" (default), "fisher_jenks" or "equal_interval".
    k : int
        Classes wanted, 2 to 9.

    Returns
    -------
    Classification

    Examples
    --------
    >>> result = classify([1.0, 2.0, 3.0, 4.0, None], scheme="equal_interval", k=3)
    >>> result.bins.tolist(), result.classes.tolist()
    ([2.0, 3.0, 4.0], [0, 0, 1, 2, -1])
    """
    scheme, k = check_scheme(scheme), check_classes(k)
    y = np.asarray(values, dtype=float)
    present = np.isfinite(y)
    if not present.any():
        raise NoData("There are no values to classify: every area has no data.")
    bins = _bins(y[present], scheme, k)
    classes = np.full(len(y), NO_DATA, dtype=int)
    # Bins are closed above, so the class is the first bin not below the value.
    classes[present] = np.minimum(np.searchsorted(bins, y[present], side="left"), len(bins) - 1)
    lower = float(y[present].min())
    counts = np.bincount(classes[present], minlength=len(bins)).tolist()
    return Classification(scheme, len(bins), bins, lower, range_labels(lower, bins), classes, counts)


def _bins(y: np.ndarray, scheme: str, k: int) -> np.ndarray:
    distinct = np.unique(y)
    if len(distinct) <= k:
        # As many classes as distinct values: each value is its own class in every scheme.
        return distinct.astype(float)
    if scheme == "fisher_jenks":
        import jenkspy

        return np.asarray(jenkspy.jenks_breaks(y, n_classes=k)[1:], dtype=float)
    import mapclassify

    classifier = mapclassify.Quantiles if scheme == "quantiles" else mapclassify.EqualInterval
    with warnings.catch_warnings():
        # Quantiles on tied values warns that it made fewer classes; the caller sees k.
        warnings.simplefilter("ignore", UserWarning)
        bins = classifier(y, k=k).bins
    return np.unique(np.asarray(bins, dtype=float))


def range_labels(lower: float, bins: np.ndarray) -> list[str]:
    """"a to b" for each class, with as few decimals as keep the bounds apart and close."""
    edges = np.concatenate([[lower], bins])
    decimals = label_decimals(edges)
    text = [format_number(x, decimals) for x in edges]
    return [f"{text[i]} to {text[i + 1]}" for i in range(len(bins))]


def label_decimals(edges: np.ndarray, most: int = 4) -> int:
    """The fewest decimals (up to ``most``) that keep every bound distinct and within half a
    percent of the range of its true value."""
    span = float(np.ptp(edges)) or abs(float(edges[0])) or 1.0
    for decimals in range(most + 1):
        rounded = np.round(edges, decimals)
        if len(np.unique(rounded)) == len(np.unique(edges)) and np.abs(rounded - edges).max() <= span * 0.005:
            return decimals
    return most


def format_number(value: float, decimals: int | None = None) -> str:
    """A number with thousands separators; by default up to three significant figures (all
    the digits of large numbers, no decimals for whole numbers)."""
    value = float(value)
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    text = f"{value:,.{significant_decimals(value)}f}"
    # Trailing zeros would claim a precision the data may not have (7.3, not 7.30).
    return text.rstrip("0").rstrip(".") if "." in text else text


def significant_decimals(value: float, figures: int = 3) -> int:
    if value == 0 or float(value).is_integer():
        return 0
    return int(min(4, max(0, figures - 1 - math.floor(math.log10(abs(value))))))
