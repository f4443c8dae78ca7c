"""Great-circle distances, vectorised."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["EARTH_RADIUS_KM", "haversine_km"]

EARTH_RADIUS_KM = 6371.0088

ArrayLike = npt.ArrayLike


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike,
                 lon2: ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle distance in km; broadcasts like numpy.

    Examples
    --------
    >>> round(float(haversine_km(-3.99, 122.51, 22.30, 114.17)), -1)  # Kendari - Hong Kong
    3060.0
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))),
                      dtype=np.float64)
