"""The embedded demo data: BUMDes offers and buyer requests modelled on real trade."""

from __future__ import annotations

from importlib import resources

__all__ = ["demo_demand", "demo_supply"]


def demo_supply() -> str:
    """Path of the embedded demo supply CSV (about 40 BUMDes offers).

    Examples
    --------
    >>> demo_supply().endswith("demo_supply.csv")
    True
    """
    return str(resources.files("matching").joinpath("data/demo_supply.csv"))


def demo_demand() -> str:
    """Path of the embedded demo demand CSV (about 12 buyer requests).

    Examples
    --------
    >>> demo_demand().endswith("demo_demand.csv")
    True
    """
    return str(resources.files("matching").joinpath("data/demo_demand.csv"))
