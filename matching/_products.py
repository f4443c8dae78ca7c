"""Product normalisation, the functional entry point: free text -> taxonomy product.

:func:`normalize_products` resolves with a :class:`ProductResolver` fitted once per
taxonomy and cached; build your own resolver to learn labelled examples or change its
options.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from ._product_match import ProductMatch
from ._product_resolver import ProductResolver
from ._taxonomy import Taxonomy, default_taxonomy

__all__ = ["ProductMatch", "normalize_products"]

# A taxonomy is immutable and hashed by value, so a copy (one sent to a worker process, say)
# finds the resolver fitted for the original.
@functools.lru_cache(maxsize=8)
def _resolver(taxonomy: Taxonomy, top_k: int) -> ProductResolver:
    return ProductResolver(taxonomy, top_k=top_k).fit()


def normalize_products(
    texts: Sequence[str], *, taxonomy: Taxonomy | None = None, top_k: int = 3
) -> tuple[ProductMatch, ...]:
    """Resolve each text to a taxonomy product, or abstain.

    Parameters
    ----------
    texts : sequence of str
        Product descriptions as sellers and buyers write them, in any mix of
        Indonesian and English.
    taxonomy : Taxonomy, optional
        Defaults to the embedded taxonomy.
    top_k : int, default 3
        How many alternatives to list per text.

    Returns
    -------
    tuple of ProductMatch
        One per text, in order.

    Examples
    --------
    >>> [m.product_id for m in normalize_products(["Kepiting bakau hidup", "jasa ojek"])]
    ['mud_crab_live', None]
    >>> normalize_products(["Rajungan kupas pasteurisasi"])[0].hs_code
    '160510'
    """
    return _resolver(taxonomy or default_taxonomy(), top_k).transform(texts)
