"""Opinion groups and consensus by the pol.is method.

Agreement with pol.is itself is checked on the seven real conversations in ../shared/data/polis:
our groups against the exported ``group-id`` (adjusted Rand index, bounded below by what the
method reaches on each, so that a change that makes agreement worse fails), our group-informed
consensus against the exported ``group-informed-consensus``, and, where agreement is low, the
reason found in the pol.is source (``math/src/polismath/math/*.clj``). The steps are checked against
hand computations from the formulas in the pol.is source and against independent computations
(scikit-learn PCA, pandas counts). Small vote tables built here are synthetic and labelled so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

from lpip.deliberation.consensus import group_informed_consensus, majority_consensus
from lpip.deliberation.opinions import (
    build_vote_matrix,
    check_votes,
    cluster_participants,
    count_sectors,
    find_opinion_groups,
    latest_votes,
    moderated_out_statements,
    principal_components,
    project_participants,
    select_participants,
)
from lpip.deliberation.polis import read_polis_export
from lpip.deliberation.repness import Z_90, compare_groups, proportion_test, two_proportion_test
from lpip.errors import ConversationTooSmall, InvalidVotes

POLIS_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
NAMES = sorted(p.name for p in POLIS_DATA.iterdir() if p.is_dir()) if POLIS_DATA.exists() else []
# Adjusted Rand index with pol.is's exported groups: a floor a little under what the method reaches
# (printed by the test; reported in docs/opinions.md). None: agreement is low for a reason the
# tests below pin down, and the floor would say nothing.
AGREEMENT_FLOOR = {
    "american-assembly.bowling-green": 0.20,  # reached 0.218 (k 3 v 2: silhouettes 0.333 v 0.332)
    "bg2050-volunteers": 0.99,  # 1.000
    "brexit-consensus": 0.60,  # 0.657 (k 3 v 2: 0.396 v 0.390; 0.897 with pol.is 2017's zero fill)
    "canadian-electoral-reform": 0.90,  # 0.930
    "london.youth.policing": None,  # -0.019: 24 people, k 2 v 4 within 0.005
    "scoop-hivemind.affordable-housing": None,  # 0.073: pol.is 2017 grouped everyone (count bug)
    "scoop-hivemind.biodiversity": 0.95,  # 0.966
}
# Conversations whose pol.is groups were made by the current in-conversation rule (the others:
# see the tests of the 2017 rules and of update history below).
SAME_PARTICIPANTS = ("american-assembly.bowling-green", "bg2050-volunteers", "scoop-hivemind.biodiversity")


def _export(name):
    folder = POLIS_DATA / name
    if not folder.exists():
        pytest.skip(f"{folder} is not beside the repository")
    return read_polis_export(folder)


@pytest.fixture(scope="module", params=NAMES, ids=NAMES)
def analysed(request):
    export = _export(request.param)
    return request.param, export, find_opinion_groups(export.votes, export.statements, bootstraps=2, seed=0)


@pytest.fixture(scope="module")
def bg2050():
    export = _export("bg2050-volunteers")
    return export, find_opinion_groups(export.votes, export.statements, bootstraps=3, seed=0)


def _matrix(export):
    return build_vote_matrix(check_votes(export.votes, export.statements))


def _agreement(export, result) -> float:
    ours = result.participants.set_index("participant")["group"].dropna()
    theirs = export.participants.set_index("participant")["group"].dropna()
    both = ours.index.intersection(theirs.index)
    return adjusted_rand_score(theirs[both], ours[both])


def _margin(result) -> float:
    best = result.silhouettes["silhouette"].sort_values(ascending=False).to_numpy()
    return float(best[0] - best[1]) if len(best) > 1 else float("inf")


# --- agreement with pol.is ----------------------------------------------------------------------

def test_all_seven_conversations_are_analysed():
    assert len(NAMES) == 7 and set(NAMES) == set(AGREEMENT_FLOOR)


def test_groups_agree_with_pol_is(analysed):
    name, export, result = analysed
    ari = _agreement(export, result)
    print(f"\n{name}: ARI {ari:.3f}, {result.n_groups} groups (pol.is {export.participants['group'].nunique()}), "
          f"silhouette margin {_margin(result):.3f}")
    floor = AGREEMENT_FLOOR[name]
    if floor is not None:
        assert ari >= floor


def test_agreement_is_high_wherever_the_number_of_groups_is_clear(analysed):
    # Where the best number of groups beats the next by a clear margin, we and pol.is agree;
    # every conversation below 0.9 is one where two numbers of groups fit almost equally well,
    # and pol.is's choice then depends on the order its updates saw the votes in.
    name, export, result = analysed
    ari, margin = _agreement(export, result), _margin(result)
    if margin >= 0.1:
        assert ari >= 0.9
    if ari < 0.9:
        assert margin < 0.01


def test_median_agreement_over_the_seven():
    # Printed for the record (docs/opinions.md); the goal of 0.9 is met only on the clear cases.
    values = []
    for name in NAMES:
        export = _export(name)
        values.append(_agreement(export, find_opinion_groups(export.votes, export.statements, bootstraps=0)))
    print(f"\nmedian ARI over {len(values)} conversations: {np.median(values):.3f}")
    assert np.median(values) >= 0.6


@pytest.mark.parametrize("name", SAME_PARTICIPANTS)
def test_the_same_participants_are_clustered_as_in_pol_is(name):
    # Includes the early voters with fewer than 7 votes that pol.is kept (bg2050: 1, biodiversity: 2).
    export = _export(name)
    included = select_participants(check_votes(export.votes, export.statements), _matrix(export))
    theirs = set(export.participants.dropna(subset=["group"])["participant"])
    assert set(included[included].index) == theirs


def test_everyone_with_seven_votes_is_clustered_as_in_pol_is(analysed):
    # Who else is kept (early voters the 15-person top-up took in) depends on how pol.is batched
    # its updates; the rule itself (conversation.clj :in-conv) decides everyone else the same way.
    name, export, result = analysed
    if name == "scoop-hivemind.affordable-housing":
        return  # grouped by the 2017 count: see test_affordable_housing_was_grouped_by_the_2017_vote_count
    table = result.participants.set_index("participant")
    enough = table.index[table["n_votes"] >= min(7, len(result.statements))]
    theirs = set(export.participants.dropna(subset=["group"])["participant"])
    assert set(table.index[table["included"]]) & set(enough) == theirs & set(enough)
    assert len(set(table.index[table["included"]]) ^ theirs) <= 6


def test_brexit_agrees_with_the_pol_is_of_2017_that_grouped_it():
    # brexit-consensus ran in July-August 2017. Until 21 October 2017 (commit 90b5b9e6,
    # conversation.clj :mat) pol.is filled missing votes with 0, not the statement's mean. With
    # that rule the best number of groups is pol.is's 2 and agreement is 0.897.
    export = _export("brexit-consensus")
    votes = check_votes(export.votes, export.statements)
    matrix = build_vote_matrix(votes)
    excluded = moderated_out_statements(export.statements, matrix.columns)
    included = select_participants(votes, matrix)
    groups, silhouettes = cluster_participants(project_participants(matrix, excluded, missing="zero")[included])
    theirs = export.participants.set_index("participant")["group"].dropna()
    both = groups.index.intersection(theirs.index)
    assert groups.nunique() == 2
    assert adjusted_rand_score(theirs[both], groups[both]) >= 0.89


def test_affordable_housing_was_grouped_by_the_2017_vote_count():
    # pol.is grouped all 381 participants of scoop-hivemind.affordable-housing (June-July 2017),
    # 86 of them with fewer than 7 votes. Until 31 October 2017 (commit 30355e11,
    # conversation.clj :user-vote-counts) pol.is counted votes on the zeroed matrix, where each
    # of the 46 rejected comments counts as a vote for everyone: everyone passed min(7, comments).
    export = _export("scoop-hivemind.affordable-housing")
    matrix = _matrix(export)
    rejected = moderated_out_statements(export.statements, matrix.columns)
    counted_then = matrix.loc[:, ~matrix.columns.isin(list(rejected))].notna().sum(axis=1) + len(rejected)
    grouped = set(export.participants.dropna(subset=["group"])["participant"])
    assert len(rejected) == 46 and (matrix.notna().sum(axis=1) < 7).sum() == 86
    assert grouped == set(counted_then[counted_then >= 7].index) == set(matrix.index)


def test_london_has_no_clear_groups():
    # 24 people; 2, 3 and 4 groups fit almost equally well, and pol.is's three groups score a
    # silhouette of 0.11 on the projection of the final votes: they were kept from earlier
    # updates (clusters.clj k-means starts from the last update's clusters), not found in the data.
    from sklearn.metrics import silhouette_score

    export = _export("london.youth.policing")
    result = find_opinion_groups(export.votes, export.statements, bootstraps=0)
    theirs = export.participants.set_index("participant")["group"].dropna()
    xy = result.participants.set_index("participant").loc[theirs.index, ["x", "y"]]
    assert _margin(result) < 0.01
    assert silhouette_score(xy, theirs) < 0.2 < result.silhouettes["silhouette"].max()


def test_group_informed_consensus_matches_pol_is(bg2050):
    export, result = bg2050
    theirs = export.statements.set_index("statement")["group_informed_consensus"].dropna()
    ours = result.group_consensus.set_index("statement")["group_informed_consensus"]
    assert len(theirs) == 371
    np.testing.assert_allclose(ours.reindex(theirs.index), theirs, rtol=0, atol=1e-12)


def test_group_informed_consensus_formula_on_pol_is_groups():
    # Independent of our clustering: pol.is's own groups in, pol.is's own values out.
    export = _export("bg2050-volunteers")
    groups = export.participants.set_index("participant")["group"].dropna()
    table = group_informed_consensus(_matrix(export), groups).set_index("statement")
    theirs = export.statements.set_index("statement")["group_informed_consensus"]
    np.testing.assert_allclose(table["group_informed_consensus"].reindex(theirs.index), theirs, atol=1e-12)


# --- the steps ----------------------------------------------------------------------------------

def _votes(rows):
    return pd.DataFrame(rows, columns=["participant", "statement", "vote", "timestamp"])


def test_the_latest_vote_wins():
    votes = _votes([("a", 1, 1, 10), ("a", 1, -1, 30), ("a", 2, 0, 20), ("b", 1, 1, 15)])
    assert len(latest_votes(votes)) == 3
    matrix = build_vote_matrix(votes)
    assert matrix.loc["a", 1] == -1 and matrix.loc["a", 2] == 0 and np.isnan(matrix.loc["b", 2])
    # Rows in order of first vote, as pol.is adds them ("a" first voted at 10, before "b").
    assert list(matrix.index) == ["a", "b"]


def _synthetic_conversation(early_votes: int, n_late: int = 16) -> pd.DataFrame:
    """Synthetic: 4 early voters cast `early_votes` votes, then `n_late` others vote 7 times each."""
    rows, t = [], 0
    for p in range(4):
        for s in range(early_votes):
            rows.append((f"early{p}", s, 1, t := t + 1))
    for p in range(n_late):
        for s in range(7):
            rows.append((f"late{p}", s, (-1) ** (p + s), t := t + 1))
    return _votes(rows)


def test_seven_votes_are_needed_but_early_voters_stay_in():
    votes = _synthetic_conversation(early_votes=6)
    matrix = build_vote_matrix(votes)
    now = select_participants(votes, matrix, history=False)
    replayed = select_participants(votes, matrix)
    assert not now[[f"early{p}" for p in range(4)]].any() and now.sum() == 16
    # The first 15 voters were clustered while the conversation was young, and pol.is keeps them.
    assert replayed.all()


def test_topped_up_to_the_fifteen_heaviest_voters():
    votes = _synthetic_conversation(early_votes=3, n_late=0)  # 4 voters, 3 votes each
    extra = _votes([(f"light{p}", 0, 1, 100 + p) for p in range(20)])
    votes = pd.concat([votes, extra, _votes([("light0", 1, 1, 200)])], ignore_index=True)
    matrix = build_vote_matrix(votes)
    included = select_participants(votes, matrix, history=False)
    assert included.sum() == 15
    assert included[[f"early{p}" for p in range(4)] + ["light0"]].all()


def test_projection_of_a_full_voter_is_the_principal_component_score():
    export = _export("bg2050-volunteers")
    matrix = _matrix(export)
    heaviest = matrix.loc[matrix.notna().sum(axis=1).sort_values(ascending=False).index[:30]]
    dense = heaviest.loc[:, heaviest.notna().all()]  # the 30 heaviest voters all voted on these
    dense = dense.loc[:, dense.std() > 0]
    assert dense.shape[1] > 100
    projection = project_participants(dense)
    reference = PCA(n_components=2, svd_solver="full").fit_transform(dense.to_numpy())
    # Scale 1 for someone who voted on everything; components are defined up to sign.
    np.testing.assert_allclose(np.abs(projection.to_numpy()), np.abs(reference), atol=1e-8)


def test_projection_is_scaled_by_the_share_of_statements_voted():
    # Synthetic: two participants vote like another but on half the statements; pol.is scales
    # the partial projection by sqrt(statements / votes) = sqrt(2).
    rng = np.random.default_rng(1)
    matrix = pd.DataFrame(rng.choice([-1.0, 0.0, 1.0], size=(40, 8)))
    projection = project_participants(matrix)
    half = matrix.copy()
    half.iloc[:, 4:] = np.nan
    means = matrix.mean()
    partial = project_participants(pd.concat([matrix, half.iloc[[0]].set_axis(["h"])]))
    pca = PCA(n_components=2, svd_solver="full").fit(pd.concat([matrix, half.iloc[[0]]]).fillna(means).fillna(0))
    assert projection.shape == (40, 2)
    expected = ((half.iloc[0, :4] - pca.mean_[:4]).to_numpy() @ pca.components_[:, :4].T) * np.sqrt(2)
    np.testing.assert_allclose(np.abs(partial.loc["h"].to_numpy()), np.abs(expected), atol=1e-8)


def test_two_clear_camps_are_found():
    # Synthetic: 30 participants agree with statements 0-9 and disagree with 10-19; 30 the reverse.
    rng = np.random.default_rng(7)
    sign = np.r_[np.ones(30), -np.ones(30)]
    values = np.c_[np.tile(sign[:, None], 10), np.tile(-sign[:, None], 10)]
    values[rng.random(values.shape) < 0.1] = 0
    matrix = pd.DataFrame(values)
    groups, silhouettes = cluster_participants(project_participants(matrix))
    assert adjusted_rand_score(sign, groups) == 1.0
    assert silhouettes.loc[silhouettes["chosen"], "groups"].item() == 2


# --- representative statements and consensus -------------------------------------------------

def test_repness_statistics_match_a_hand_computation():
    # Synthetic: group 0 (3 people) all agree with statement 1, group 1 (3 people) all disagree.
    matrix = pd.DataFrame({1: [1, 1, 1, -1, -1, -1]}, index=list("abcdef"), dtype=float)
    stats = compare_groups(matrix, pd.Series([0, 0, 0, 1, 1, 1], index=matrix.index)).set_index("group")
    g0 = stats.loc[0]
    assert g0["p_agree"] == pytest.approx(4 / 5)  # (na + 1) / (ns + 2)
    assert g0["p_agree_z"] == pytest.approx(2 * np.sqrt(4) * (4 / 4 - 0.5))  # prop-test
    assert g0["r_agree"] == pytest.approx((4 / 5) / (1 / 5))  # pa / ((na_rest + 1) / (ns_rest + 2))
    # two-prop-test with +1 counts: (1 - 1/4) / sqrt(5/8 * 3/8 * (1/4 + 1/4))
    assert g0["r_agree_z"] == pytest.approx(0.75 / np.sqrt(5 / 8 * 3 / 8 * 0.5))
    assert stats.loc[1, "r_disagree_z"] == pytest.approx(g0["r_agree_z"])


def test_proportion_tests():
    assert proportion_test(8, 10) == pytest.approx(2 * np.sqrt(11) * (9 / 11 - 0.5))
    assert two_proportion_test(5, 5, 5, 5) == 0.0  # pooled proportion 1: pol.is returns 0


def test_representative_statements_follow_the_pol_is_rules(analysed):
    _, export, result = analysed
    rep = result.representative
    moderated_out = set(result.statements.loc[result.statements["moderated_out"], "statement"])
    assert not rep["statement"].isin(moderated_out).any()
    for _, rows in rep.groupby("group"):
        assert 1 <= len(rows) <= 5
        directions = rows["repful_for"].tolist()
        assert directions == sorted(directions, key=lambda d: d != "agree")  # agrees first
        significant = (rows["p_success_z"] > Z_90) & (rows["repness_z"] > Z_90)
        assert (significant | rows["best_agree"]).all()


def test_majority_consensus_against_independent_counts(analysed):
    _, export, result = analysed
    cons = result.consensus
    latest = export.votes.sort_values("timestamp", kind="stable").drop_duplicates(
        ["participant", "statement"], keep="last")
    seen = latest.groupby("statement").size()
    for direction, code in (("agree", 1), ("disagree", -1)):
        rows = cons[cons["direction"] == direction]
        n = latest[latest["vote"] == code].groupby("statement").size()
        assert (rows["n_success"].to_numpy() == n.reindex(rows["statement"]).to_numpy()).all()
        assert (rows["n_trials"].to_numpy() == seen.reindex(rows["statement"]).to_numpy()).all()
        assert (rows["p_success"] > 0.5).all() and (rows["p_success_z"] > Z_90).all() and len(rows) <= 5
        metric = (rows["p_success"] * rows["p_success_z"]).to_numpy()
        assert (np.diff(metric) <= 0).all()
    moderated_out = set(result.statements.loc[result.statements["moderated_out"], "statement"])
    assert not cons["statement"].isin(moderated_out).any()


def test_majority_consensus_leaves_out_moderated_statements():
    matrix = pd.DataFrame({1: [1.0] * 10, 2: [1.0] * 10})
    assert majority_consensus(matrix, {1})["statement"].tolist() == [2]


def test_no_majority_consensus_in_a_split_vote():
    matrix = pd.DataFrame({1: [1.0, -1.0] * 10})
    assert majority_consensus(matrix).empty


# --- stability, sectors, determinism --------------------------------------------------------

def test_bootstrap_of_clear_camps_is_fully_stable():
    # Synthetic, as above: two camps of 30 with 10 % passes.
    rng = np.random.default_rng(3)
    rows = []
    for p in range(60):
        for s in range(20):
            vote = (1 if p < 30 else -1) * (1 if s < 10 else -1)
            rows.append((p, s, 0 if rng.random() < 0.1 else vote, p * 100 + s))
    result = find_opinion_groups(_votes(rows), bootstraps=5, seed=1)
    assert len(result.stability) == 5
    assert (result.stability["ari"] == 1.0).all() and result.mean_stability == 1.0


def test_workshop_style_ids_and_datetimes_are_accepted():
    # Synthetic: text ids and datetime timestamps, as a workshop source will give them.
    rows = [(f"p{p}", f"s{s}", (1 if p < 10 else -1) * (1 if s < 4 else -1),
             pd.Timestamp("2025-03-01 10:00") + pd.Timedelta(seconds=60 * p + s))
            for p in range(20) for s in range(8) if (p + s) % 5]
    statements = pd.DataFrame({"statement": [f"s{s}" for s in range(8)], "text": "..."})
    result = find_opinion_groups(_votes(rows), statements, bootstraps=2)
    groups = result.participants.set_index("participant")["group"].dropna()
    truth = [int(p[1:]) < 10 for p in groups.index]
    assert len(groups) >= 15
    assert adjusted_rand_score(truth, groups) == 1.0
    assert result.representative["text"].eq("...").all()


def test_bootstrap_can_be_skipped(bg2050):
    export, _ = bg2050
    result = find_opinion_groups(export.votes, export.statements, bootstraps=0)
    assert result.stability.empty and np.isnan(result.mean_stability)


def test_same_seed_same_result(bg2050):
    export, first = bg2050
    again = find_opinion_groups(export.votes, export.statements, bootstraps=3, seed=0)
    pd.testing.assert_frame_equal(first.participants, again.participants)
    pd.testing.assert_frame_equal(first.stability, again.stability)
    pd.testing.assert_frame_equal(first.representative, again.representative)
    assert first.stability["ari"].between(-1, 1).all()


def test_sectors_are_counted_per_group(bg2050):
    export, result = bg2050
    assert result.sectors is None  # pol.is participants are anonymous
    grouped = result.participants.dropna(subset=["group"]).set_index("participant")["group"]
    sectors = {p: ("business" if p % 2 else "community") for p in grouped.index[:50]}  # synthetic labels
    table = count_sectors(grouped, sectors)
    sizes = table.groupby("group")["participants"].sum()
    assert sizes.to_dict() == grouped.value_counts().to_dict()
    assert table.loc[table["sector"] == "unknown", "participants"].sum() == len(grouped) - 50
    assert np.allclose(table.groupby("group")["share"].sum(), 1.0)


def test_sector_mix_is_carried_into_the_groups_table(bg2050):
    export, result = bg2050
    grouped = result.participants.dropna(subset=["group"]).set_index("participant")["group"]
    sectors = {p: ("business" if p % 2 else "community") for p in grouped.index}  # synthetic labels
    again = find_opinion_groups(export.votes, export.statements, sectors=sectors, bootstraps=0)
    mix = again.groups.set_index("group")["sector_mix"]
    for group, members in grouped.groupby(grouped):
        counts = pd.Series([sectors[p] for p in members.index]).value_counts()
        for sector, n in counts.items():
            assert f"{sector} {n}" in mix[group]
    assert "sector_mix" not in result.groups  # pol.is participants are anonymous


# --- sparse exports and degenerate resamples ------------------------------------------------------

def _two_camps(n: int = 40, statements: int = 10, seed: int = 0) -> list[tuple]:
    """Synthetic: two camps voting opposite ways, 10 % passes."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n):
        for s in range(statements):
            vote = (1 if p < n // 2 else -1) * (1 if s < statements // 2 else -1)
            rows.append((p, s, 0 if rng.random() < 0.1 else vote, p * 100 + s))
    return rows


def test_a_statement_nobody_voted_on_in_most_resamples():
    # Synthetic: statement 99 has one vote, so most bootstrap resamples have no vote on it (this
    # made PCA fail on NaN before); every resample is still clustered.
    votes = _votes(_two_camps() + [(0, 99, 1, 50)])
    result = find_opinion_groups(votes, bootstraps=20, seed=0)
    assert len(result.stability) == 20 and result.degenerate_resamples == 0
    assert result.stability["ari"].notna().all() and result.mean_stability > 0.9


def test_a_statement_with_no_votes_is_left_out_of_the_projection():
    matrix = pd.DataFrame({0: [1.0, 1.0, -1.0, -1.0], 1: [1.0, 0.0, -1.0, -1.0], 2: np.nan})
    projection = project_participants(matrix)
    np.testing.assert_allclose(projection.to_numpy(), project_participants(matrix[[0, 1]]).to_numpy())


def test_resamples_that_cannot_be_clustered_are_counted_not_raised():
    # Synthetic: 15 people vote alike and three others each differently; a resample that misses
    # any of the three has fewer than three distinct positions and cannot be clustered.
    rows = [(p, s, 1, p * 10 + s) for p in range(15) for s in range(6)]
    rows += [(15 + i, s, (-1) ** (s + i), 200 + i * 10 + s) for i in range(3) for s in range(6)]
    result = find_opinion_groups(_votes(rows), bootstraps=30, seed=2)
    degenerate = result.stability[result.stability["degenerate"] != ""]
    assert 0 < result.degenerate_resamples == len(degenerate) < 30
    assert degenerate["ari"].isna().all() and degenerate["groups"].isna().all()
    assert degenerate["degenerate"].str.contains("distinct position").all()
    assert result.mean_stability == pytest.approx(result.stability["ari"].dropna().mean())


def test_missing_votes_filled_with_zero_as_pol_is_did_before_october_2017():
    matrix = pd.DataFrame({0: [1.0, 1.0, np.nan, -1.0], 1: [1.0, np.nan, -1.0, -1.0], 2: [0.0, 1.0, -1.0, 1.0]})
    zero = project_participants(matrix, missing="zero")
    reference = PCA(n_components=2, svd_solver="full").fit(matrix.fillna(0).to_numpy())
    voted = matrix.notna().to_numpy()
    expected = np.where(voted, matrix.to_numpy() - reference.mean_, 0) @ reference.components_.T
    expected *= np.sqrt(3 / voted.sum(axis=1))[:, None]
    np.testing.assert_allclose(np.abs(zero.to_numpy()), np.abs(expected), atol=1e-10)
    with pytest.raises(InvalidVotes, match="'mean' or 'zero'"):
        project_participants(matrix, missing="median")


def test_principal_components_match_scikit_learn():
    rng = np.random.default_rng(8)
    for shape in ((50, 8), (8, 50)):  # both ways of computing them
        data = rng.normal(size=shape)
        centre, axes = principal_components(data)
        reference = PCA(n_components=2, svd_solver="full").fit(data)
        np.testing.assert_allclose(centre, reference.mean_)
        np.testing.assert_allclose(np.abs(axes), np.abs(reference.components_), atol=1e-10)
        assert (axes[np.arange(2), np.abs(axes).argmax(axis=1)] > 0).all()


# --- bad input ----------------------------------------------------------------------------------

def test_too_small_to_cluster_is_said_plainly():
    votes = _votes([("a", 1, 1, 1), ("a", 2, -1, 2), ("b", 1, 1, 3)])
    with pytest.raises(ConversationTooSmall, match="too small to find opinion groups: 2 participant"):
        find_opinion_groups(votes)


def test_identical_voters_cannot_be_split():
    votes = _votes([(p, s, 1, p * 10 + s) for p in range(20) for s in range(5)])
    with pytest.raises(ConversationTooSmall, match="distinct position"):
        find_opinion_groups(votes)


def test_all_statements_moderated_out_is_too_small():
    votes = _votes([(p, s, (-1) ** p, p * 10 + s) for p in range(20) for s in range(5)])
    statements = pd.DataFrame({"statement": range(5), "moderated": [-1, -1, -1, -1, 1]})
    with pytest.raises(ConversationTooSmall, match="1 statement"):
        find_opinion_groups(votes, statements)


def test_no_votes_at_all():
    with pytest.raises(ConversationTooSmall, match="no votes"):
        find_opinion_groups(_votes([]))


def test_votes_need_their_columns():
    with pytest.raises(InvalidVotes, match="no column 'timestamp'"):
        find_opinion_groups(pd.DataFrame({"participant": [1], "statement": [1], "vote": [1]}))


def test_votes_must_be_agree_disagree_or_pass():
    with pytest.raises(InvalidVotes, match="1 vote\\(s\\) have a vote that is not 1"):
        find_opinion_groups(_votes([("a", 1, 1, 1), ("b", 1, 5, 2)]))


def test_votes_for_unknown_statements_are_refused():
    statements = pd.DataFrame({"statement": [1, 2]})
    with pytest.raises(InvalidVotes, match="not in the statements table \\(statement 9\\)"):
        find_opinion_groups(_votes([("a", 1, 1, 1), ("b", 9, 1, 2)]), statements)


def test_empty_cells_are_refused():
    with pytest.raises(InvalidVotes, match="empty participant"):
        find_opinion_groups(_votes([(None, 1, 1, 1)]))
