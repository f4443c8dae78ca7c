"""The product resolver: free text -> taxonomy product, HS code, confidence, alternatives.

How a batch is resolved (``docs/normalization.md`` tells the whole story):

1. clean every text at once (:mod:`._product_text`): case, accents, punctuation, numbers,
   filler; sizes and quantities are kept aside as attributes;
2. fold each text to canonical tokens; a token the taxonomy does not know is corrected to
   the closest known token when close enough (``rapidfuzz.process.cdist`` over the batch's
   distinct unknown tokens);
3. score every synonym phrase sharing a content token with the text by a weighted Tversky
   index (sparse matrix products; weights are inverse product frequencies; words only the
   text has count ``extra_weight`` as much as words only the phrase has), keep the best
   phrase per product, penalise products whose form contradicts a form the text names;
4. texts still scoring low are also compared by character n-gram TF-IDF (scikit-learn), which
   catches spellings no token correction reaches;
5. the best product wins unless its score is below ``min_score``, the text names a service
   or equipment, or it starts with a packaging word; the score and the margin to the
   runner-up map to a calibrated confidence.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from rapidfuzz import process
from rapidfuzz.distance import OSA
from sklearn.feature_extraction.text import TfidfVectorizer

from ._exceptions import InputError, Problem
from ._product_match import ProductMatch
from ._product_text import (
    CANONICAL,
    FORM_GROUPS,
    NON_PRODUCT_WORDS,
    PACKAGING_WORDS,
    canonical_tokens,
    canonical_word,
    clean_product_texts,
    extract_attributes,
    place_words,
)
from ._taxonomy import Taxonomy, default_taxonomy
from ._text import clean_text

__all__ = ["ProductResolver"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Confidence = sigmoid(a + b * score + c * margin), fitted by logistic regression on the
#: tuning part of ``benchmarks/data/normalize_dev.csv`` (``python benchmarks/normalize.py
#: --calibrate``); see docs/normalization.md.
CALIBRATION = (-3.17, 6.12, 3.39)

_FORM_OF_PRODUCT = {
    "live": "~live", "fresh": "~fresh", "chilled": "~fresh", "frozen": "~frozen",
    "dried": "~dried", "smoked": "~smoked", "salted": "~salted", "powder": "~powder",
    "ground": "~powder", "flour": "~flour", "oil": "~oil", "meat": "~meat",
    "roasted": "~roasted",
}
# A text naming the first form accepts products of the second too.
_FORM_ACCEPTS = {"~live": ("~fresh",), "~powder": ("~flour",), "~flour": ("~powder",),
                 "~salted": ("~dried",), "~dried": ("~salted",)}
_UNPROCESSED = ("~live", "~fresh", "~frozen", "~dried", "~salted", "~smoked")
_FORM_BIT = {form: 1 << i for i, form in enumerate(FORM_GROUPS)}
_CHUNK = 2048


@dataclass(frozen=True, slots=True)
class _Ranked:
    """Best products per query: ``product[i, :n[i]]`` with ``score[i, :n[i]]``."""

    product: IntArray
    score: FloatArray


class ProductResolver:
    """Resolve product texts to taxonomy products; learns extra phrasings from examples.

    Parameters
    ----------
    taxonomy : Taxonomy, optional
        Products to resolve to; defaults to the embedded taxonomy (extend it with
        :func:`read_products`).
    top_k : int, default 3
        Alternatives listed per text.
    min_score : float, default 0.55
        Texts whose best product scores below this abstain (``product_id`` None).
    typo_cutoff : float, default 0.75
        Smallest normalised optimal-string-alignment similarity (``rapidfuzz.distance.OSA``:
        one edit or swap in a word of four to seven letters, two from eight) at which an
        unknown word is read as a misspelling of a known word with the same first letter.
    form_penalty : float, default 0.6
        Factor on the score of a product whose form contradicts a form the text names.
    extra_weight : float, default 0.5
        How much the words of a text that a synonym lacks count against it, relative to
        the words of the synonym the text lacks (1 = weighted Jaccard similarity). Lower
        forgives origins, varieties and grades more, and abstains later.
    workers : int, default 1
        Threads for ``rapidfuzz.process.cdist`` (-1 = all cores).

    Attributes
    ----------
    taxonomy_ : Taxonomy
        The taxonomy resolved against.
    vocabulary_ : dict of str to int
        Canonical token -> column of the phrase matrix.
    token_weight_ : ndarray
        Inverse product frequency of every token.
    phrases_ : tuple of str
        Every synonym phrase as canonical tokens, including the fitted examples.
    phrase_product_ : ndarray
        Position in ``taxonomy_`` of the product each phrase names.
    n_examples_ : int
        Labelled examples learned by :meth:`fit`.

    Examples
    --------
    >>> resolver = ProductResolver().fit()
    >>> [m.product_id for m in resolver.transform(["kepiting beku", "kopi sangrai"])]
    ['mud_crab_frozen', 'coffee_roasted_beans']
    >>> resolver.fit(["ikan kuwe"], ["snapper_frozen"]).transform(["ikan kuwe"])[0].product_id
    'snapper_frozen'
    """

    taxonomy_: Taxonomy
    vocabulary_: dict[str, int]
    token_weight_: FloatArray
    phrases_: tuple[str, ...]
    phrase_product_: IntArray
    n_examples_: int

    def __init__(self, taxonomy: Taxonomy | None = None, *, top_k: int = 3,
                 min_score: float = 0.55, typo_cutoff: float = 0.75, form_penalty: float = 0.6,
                 extra_weight: float = 0.5, workers: int = 1) -> None:
        self.taxonomy = taxonomy
        self.top_k = top_k
        self.min_score = min_score
        self.typo_cutoff = typo_cutoff
        self.form_penalty = form_penalty
        self.extra_weight = extra_weight
        self.workers = workers

    def __repr__(self) -> str:
        """Options that differ from the defaults, like scikit-learn estimators."""
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [f"{name}={getattr(self, name)!r}" for name, p in defaults.items()
                   if name != "self" and getattr(self, name) is not p.default
                   and getattr(self, name) != p.default]
        return f"{type(self).__name__}({', '.join(changed)})"

    # ------------------------------------------------------------------ fitting
    def fit(self, texts: Sequence[str] = (), product_ids: Sequence[str] = ()) -> ProductResolver:
        """Index the taxonomy's synonyms and learn labelled examples as extra phrasings.

        Parameters
        ----------
        texts : sequence of str, optional
            Product texts as people write them.
        product_ids : sequence of str, optional
            The product each text names (ids of ``taxonomy``).

        Returns
        -------
        ProductResolver
            ``self``, fitted.

        Raises
        ------
        InputError
            When the lengths differ or an id is not in the taxonomy.
        """
        self._check_params()
        taxonomy = self.taxonomy if self.taxonomy is not None else default_taxonomy()
        texts, product_ids = list(texts), list(product_ids)
        problems = []
        if len(texts) != len(product_ids):
            problems.append(Problem("<fit>", 0, "product_id", f"{len(texts)} texts but "
                                    f"{len(product_ids)} product ids"))
        else:
            problems += [Problem("<fit>", i + 1, "product_id", f"unknown product {pid!r}")
                         for i, pid in enumerate(product_ids) if pid not in taxonomy]
        if problems:
            raise InputError(problems)
        raw: list[str] = list(texts)
        owner: list[int] = [taxonomy.position(pid) for pid in product_ids]
        for i, product in enumerate(taxonomy):
            for phrase in (product.name_en, product.name_id, *product.synonyms):
                raw.append(phrase)
                owner.append(i)
        cleaned = clean_product_texts(raw)
        # When two phrases fold to the same tokens, a learned example wins, then a synonym
        # that lost no filler word ("coconut oil" is refined coconut oil, although "minyak
        # kelapa murni", the name of VCO, folds to the same tokens).
        lossy = [len(c.split()) < len(clean_text(r).split()) for c, r in zip(cleaned, raw,
                                                                                strict=True)]
        priority = sorted(range(len(raw)), key=lambda i: (i >= len(texts), lossy[i]))
        phrases: dict[tuple[str, ...], int] = {}
        for i in priority:
            tokens = canonical_tokens(cleaned[i])
            if tokens:
                phrases.setdefault(tuple(sorted(tokens)), owner[i])
        # phrases grouped by product, in taxonomy order (stable within a product)
        keys = sorted(phrases, key=phrases.__getitem__)
        vocab: dict[str, int] = {}
        for key in keys:
            for token in key:
                vocab.setdefault(token, len(vocab))
        self.taxonomy_ = taxonomy
        self.vocabulary_ = vocab
        self.phrases_ = tuple(" ".join(k) for k in keys)
        self.phrase_product_ = np.array([phrases[k] for k in keys], dtype=np.int64)
        self.n_examples_ = len(texts)
        words = {w for c in cleaned for w in c.split()}
        self._nonproduct = NON_PRODUCT_WORDS - words
        self._packaging = PACKAGING_WORDS - {c.partition(" ")[0] for c in cleaned}
        self._ignore = frozenset(w for w in place_words() - words
                                 if canonical_word(w) not in vocab)
        self._index(taxonomy, keys)
        return self

    def _check_params(self) -> None:
        checks: list[tuple[str, Any, bool, str]] = [
            ("top_k", self.top_k, isinstance(self.top_k, int) and self.top_k >= 1,
             "an int >= 1"),
            ("min_score", self.min_score, _number(self.min_score) and 0 <= self.min_score <= 1,
             "a float in [0, 1]"),
            ("typo_cutoff", self.typo_cutoff,
             _number(self.typo_cutoff) and 0 <= self.typo_cutoff <= 1, "a float in [0, 1]"),
            ("form_penalty", self.form_penalty,
             _number(self.form_penalty) and 0 <= self.form_penalty <= 1, "a float in [0, 1]"),
            ("extra_weight", self.extra_weight,
             _number(self.extra_weight) and 0 <= self.extra_weight <= 1, "a float in [0, 1]"),
            ("workers", self.workers, isinstance(self.workers, int) and self.workers != 0,
             "a non-zero int"),
        ]
        for name, value, ok, expected in checks:
            if not ok:
                raise ValueError(f"The {name!r} parameter of ProductResolver must be "
                                 f"{expected}. Got {value!r} instead.")

    def _index(self, taxonomy: Taxonomy, keys: list[tuple[str, ...]]) -> None:
        vocab, n_products = self.vocabulary_, len(taxonomy)
        rows = np.repeat(np.arange(len(keys)), [len(k) for k in keys])
        cols = np.array([vocab[t] for k in keys for t in k], dtype=np.int64)
        phrase_tokens = sp.csr_matrix((np.ones(len(cols)), (rows, cols)),
                                      shape=(len(keys), len(vocab)))
        owner = sp.csr_matrix((np.ones(len(keys)), (self.phrase_product_, np.arange(len(keys)))),
                              shape=(n_products, len(keys)))
        df = np.asarray(((owner @ phrase_tokens) > 0).sum(axis=0)).ravel()
        weight = np.log((1.0 + n_products) / (1.0 + df)) + 1.0
        self.token_weight_ = weight
        self._form_bit = np.array([_FORM_BIT.get(t, 0) for t in vocab], dtype=np.int64)
        self._unknown_weight = float(np.median(weight))
        is_form = self._form_bit != 0
        content = phrase_tokens @ sp.diags(np.where(is_form, 0.0, 1.0))
        content.eliminate_zeros()
        self._content_t = content.T.tocsr()
        self._form_cols = np.flatnonzero(is_form)
        self._phrase_form_tokens = phrase_tokens[:, self._form_cols].T.toarray()
        self._phrase_total = np.asarray(phrase_tokens @ weight).ravel()
        product_form = np.zeros(n_products, dtype=np.int64)
        names = clean_product_texts([f"{p.name_en} {p.name_id}" for p in taxonomy])
        for i, (product, name) in enumerate(zip(taxonomy, names, strict=True)):
            forms = {_FORM_OF_PRODUCT.get(product.form, ""), *canonical_tokens(name)}
            product_form[i] = sum(_FORM_BIT.get(f, 0) for f in forms)
            if product.form == "raw":
                # unprocessed goods: a text naming a processed form is not about them
                product_form[i] |= sum(_FORM_BIT[f] for f in _UNPROCESSED)
        self._product_form = product_form
        # misspellings are looked up among the words as written ("alpukat", "hidup"), each
        # standing for its canonical token
        surface = {w: w for w in vocab if not w.startswith("~")}
        surface.update((w, t) for w, t in CANONICAL.items() if t in vocab)
        self._typo_by_initial: dict[str, tuple[list[str], list[str]]] = {}
        for word, token in surface.items():
            if len(word) >= 3:
                choices, tokens = self._typo_by_initial.setdefault(word[0], ([], []))
                choices.append(word)
                tokens.append(token)
        self._tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                                      dtype=np.float64)
        self._phrase_tfidf = self._tfidf.fit_transform([_plain(k) for k in keys]).T.tocsr()

    # ------------------------------------------------------------------ resolving
    def transform(self, texts: Sequence[str]) -> tuple[ProductMatch, ...]:
        """Resolve each text to a product (or abstain).

        Parameters
        ----------
        texts : sequence of str
            Product descriptions in any mix of Indonesian and English.

        Returns
        -------
        tuple of ProductMatch
            One per text, in order; the same text always gets the same answer, alone or
            in any batch.
        """
        if not hasattr(self, "taxonomy_"):
            raise RuntimeError("This ProductResolver is not fitted yet; call fit() first.")
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        first: dict[str, int] = {}
        inverse = [first.setdefault(t, len(first)) for t in texts]
        distinct = list(first)
        group, product, score, nonproduct = self._scores(distinct)
        matches = self._matches(distinct, group, product, score, nonproduct,
                                extract_attributes(distinct))
        return tuple(matches[i] for i in inverse)

    def _scores(self, texts: list[str]
                ) -> tuple[list[int], IntArray, FloatArray, list[bool]]:
        """Per text: its group of texts with the same tokens, whether it names a service;
        per group: the best products (positions, -1 = none) and their scores."""
        # texts that differ only in case, punctuation, filler, numbers or word order are
        # scored once
        by_cleaned: dict[str, int] = {}
        cleaned_of = [by_cleaned.setdefault(c, len(by_cleaned))
                      for c in clean_product_texts(texts)]
        cleaned = list(by_cleaned)
        nonproduct_cleaned = [not self._nonproduct.isdisjoint(c.split())
                              or c.partition(" ")[0] in self._packaging for c in cleaned]
        by_key: dict[str, int] = {}
        key_of = [by_key.setdefault(" ".join(sorted(canonical_tokens(c))), len(by_key))
                  for c in cleaned]
        token_lists = [key.split() for key in by_key]
        tokens, strength, unknown = self._correct(token_lists)
        ranked = self._rank(tokens, strength, np.array(unknown),
                            [_plain(t) for t in token_lists])
        group = [key_of[c] for c in cleaned_of]
        return group, ranked.product, ranked.score, [nonproduct_cleaned[c] for c in cleaned_of]

    def predict(self, texts: Sequence[str]) -> npt.NDArray[np.object_]:
        """Product id per text (None where the resolver abstains), as an object array."""
        return np.array([m.product_id for m in self.transform(texts)], dtype=object)

    def _correct(self, token_lists: list[list[str]]
                 ) -> tuple[list[list[str]], list[list[float]], list[float]]:
        """Known tokens kept, misspellings corrected, the weight of the rest summed."""
        vocab, ignore = self.vocabulary_, self._ignore
        distinct = {t for ts in token_lists for t in ts if t not in vocab}
        # per distinct word: (token it stands for or None, strength, unknown weight)
        meaning: dict[str, tuple[str | None, float, float]] = {
            t: (None, 0.0, self._unknown_weight if t.isalpha() and len(t) > 2 else 0.0)
            for t in distinct}
        meaning.update((t, (None, 0.0, 0.0)) for t in distinct & ignore)
        meaning.update(self._misspellings(sorted(t for t in distinct - ignore
                                                 if len(t) >= 4 and t.isalpha())))
        tokens, strength, unknown_mass = [], [], []
        for ts in token_lists:
            if all(t in vocab for t in ts):
                tokens.append(ts)
                strength.append([1.0] * len(ts))
                unknown_mass.append(0.0)
                continue
            out: dict[str, float] = {}
            mass = 0.0
            for t in ts:
                if t in vocab:
                    out[t] = 1.0
                    continue
                word, sim, weight = meaning[t]
                if word is not None:
                    out[word] = max(out.get(word, 0.0), sim)
                mass += weight
            tokens.append(list(out))
            strength.append(list(out.values()))
            unknown_mass.append(mass)
        return tokens, strength, unknown_mass

    def _misspellings(self, words: list[str]) -> dict[str, tuple[str | None, float, float]]:
        """The known word each unknown word misspells, by initial (people rarely get the
        first letter wrong: "barang", goods, is not "arang", charcoal)."""
        fixed: dict[str, tuple[str | None, float, float]] = {}
        by_initial: dict[str, list[str]] = {}
        for word in words:
            by_initial.setdefault(word[0], []).append(word)
        for initial, group in by_initial.items():
            choices = self._typo_by_initial.get(initial)
            if not choices:
                continue
            sim = process.cdist(group, choices[0], scorer=OSA.normalized_similarity,
                                score_cutoff=self.typo_cutoff, dtype=np.float32,
                                workers=self.workers)
            best = np.argmax(sim, axis=1)
            best_sim = sim[np.arange(len(group)), best].tolist()
            for word, j, s in zip(group, best.tolist(), best_sim, strict=True):
                if s >= self.typo_cutoff and s > 0:
                    fixed[word] = (choices[1][j], s, 0.0)
        return fixed

    def _rank(self, tokens: list[list[str]], strength: list[list[float]],
              unknown: FloatArray, plain: list[str]) -> _Ranked:
        """Top products per query by form-aware weighted Jaccard (+ TF-IDF fallback)."""
        k = min(max(self.top_k, 2), len(self.taxonomy_))
        n = len(tokens)
        product = np.full((n, k), -1, dtype=np.int64)
        score = np.zeros((n, k))
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            scores = self._product_scores(tokens[lo:hi], strength[lo:hi], unknown[lo:hi],
                                          plain[lo:hi])
            order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            best = np.take_along_axis(scores, order, axis=1)
            product[lo:hi] = np.where(best > 0, order, -1)
            score[lo:hi] = np.round(best, 6)
        return _Ranked(product, score)

    def _product_scores(self, tokens: list[list[str]], strength: list[list[float]],
                        unknown: FloatArray, plain: list[str]) -> FloatArray:
        """Dense (queries x products) score matrix of one chunk."""
        vocab, weight = self.vocabulary_, self.token_weight_
        n, n_products = len(tokens), len(self.taxonomy_)
        rows = np.repeat(np.arange(n), [len(t) for t in tokens])
        cols = np.array([vocab[t] for ts in tokens for t in ts], dtype=np.int64)
        vals = np.array([s for ss in strength for s in ss], dtype=np.float64)
        w = weight[cols] * vals
        query = sp.csr_matrix((w, (rows, cols)), shape=(n, len(vocab)))
        total = np.bincount(rows, weights=weight[cols], minlength=n) + unknown
        # candidate phrases share a content word with the text; form words only add to them
        pair = (query @ self._content_t).tocoo()
        r, c = pair.row.astype(np.int64), pair.col.astype(np.int64)
        qform = query[:, self._form_cols].toarray()
        inter = pair.data + np.einsum("ij,ji->i", qform[r], self._phrase_form_tokens[:, c])
        # Tversky index: words of the text the phrase lacks count ``extra_weight`` times
        # as much as words of the phrase the text lacks (origins, varieties, grades...)
        denominator = inter + self.extra_weight * (total[r] - inter) + \
            (self._phrase_total[c] - inter)
        best = np.zeros((n, n_products))
        np.maximum.at(best, (r, self.phrase_product_[c]), inter / np.maximum(denominator, 1e-12))
        low = np.flatnonzero(best.max(axis=1, initial=0.0) < self.min_score + 0.2)
        keep = np.array([i for i in low.tolist() if plain[i]], dtype=np.int64)
        if len(keep):
            sims = (self._tfidf.transform([plain[i] for i in keep]) @ self._phrase_tfidf).tocoo()
            # cosine of character n-grams is optimistic for short strings: square it; the
            # many faint resemblances (cosine below 0.4) cannot matter and are skipped
            near = sims.data >= 0.4
            np.maximum.at(best, (keep[sims.row[near]], self.phrase_product_[sims.col[near]]),
                          sims.data[near] ** 2)
        form_of_query = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(form_of_query, rows, self._form_bit[cols])
        return best * self._form_factor(form_of_query, best)

    def _form_factor(self, qform: IntArray, best: FloatArray) -> FloatArray:
        """Penalty where a product's form contradicts the forms a text names."""
        accepted = qform.copy()
        for form, others in _FORM_ACCEPTS.items():
            has = (qform & _FORM_BIT[form]) != 0
            for other in others:
                accepted = np.where(has, accepted | _FORM_BIT[other], accepted)
        pform = self._product_form[None, :]
        conflict = (qform[:, None] != 0) & (pform != 0) & ((accepted[:, None] & pform) == 0)
        return np.where(conflict & (best < 1.0), self.form_penalty, 1.0)

    def _matches(self, texts: list[str], group: list[int], product: IntArray,
                 score: FloatArray, nonproduct: list[bool],
                 attributes: list[tuple[str, ...]]) -> list[ProductMatch]:
        a, b, c = CALIBRATION
        runner_up = np.where(np.arange(score.shape[1]) == 0, score[:, [1]], score[:, [0]])
        logit = a + b * score + c * (score - runner_up)
        sigmoid = 1.0 / (1.0 + np.exp(-logit))
        confidence = np.round(np.where(product >= 0, sigmoid, 0.0), 3).astype(np.float64)
        taxonomy = self.taxonomy_.products
        ids = [p.product_id for p in taxonomy]
        alternatives = [tuple((ids[p], conf) for p, conf in zip(ps, cs, strict=True) if p >= 0)
                        for ps, cs in zip(product[:, :self.top_k].tolist(),
                                          confidence[:, :self.top_k].tolist(), strict=True)]
        best = np.where(score[:, 0] >= self.min_score, product[:, 0], -1).tolist()
        conf = confidence[:, 0].tolist()
        out = []
        for text, g, service, attrs in zip(texts, group, nonproduct, attributes, strict=True):
            p = best[g]
            if p < 0 or service:
                out.append(ProductMatch(text, None, None, None, 0.0, alternatives[g], attrs))
            else:
                chosen = taxonomy[p]
                out.append(ProductMatch(text, chosen.product_id, chosen.name_en,
                                        chosen.hs_code, conf[g], alternatives[g], attrs))
        return out


def _plain(tokens: Sequence[str]) -> str:
    """Tokens as one string for character n-grams (form markers dropped)."""
    return " ".join(t.lstrip("~") for t in tokens)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and \
        math.isfinite(value)
