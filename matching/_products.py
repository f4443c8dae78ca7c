"""Product normalisation, the functional entry point: free text -> taxonomy product.

:func:`normalize_products` resolves with a :class:`ProductResolver` fitted once per
taxonomy and cached; build your own resolver to learn labelled examples or change its
options.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._product_match import ProductMatch
from ._product_resolver import ProductResolver
from ._taxonomy import Taxonomy, default_taxonomy

__all__ = ["ProductMatch", "normalize_products"]

_CACHE: dict[int, tuple[Taxonomy, ProductResolver]] = {}


def _resolver(taxonomy: Taxonomy) -> ProductResolver:
    cached = _CACHE.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    resolver = ProductResolver(taxonomy).fit()
    if len(_CACHE) >= 8:
        _CACHE.clear()
    _CACHE[id(taxonomy)] = (taxonomy, resolver)
    return resolver


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
    resolver = _resolver(taxonomy or default_taxonomy())
    if top_k != resolver.top_k:
        resolver = ProductResolver(resolver.taxonomy_, top_k=top_k).fit()
    return resolver.transform(texts)
