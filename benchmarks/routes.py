"""Route planner: cost and transit days for many (hub, buyer port) pairs in one call.

Seeded hubs around random regency seats (jittered by about 5 km), 20 % air, 30 % reefer,
50 % dry cargo with their transit limits, and random buyer ports of the right mode: the
shape of a national candidate set (about 3,500 lots times their buyers).

    python benchmarks/routes.py [--hubs 3500] [--pairs 120000] [--seed 7]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from matching._logistics import (
    FIRST_LEGS,
    FreightRates,
    default_network,
    hub_islands,
    plan_routes,
)
from matching._regions import default_gazetteer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hubs", type=int, default=3500)
    parser.add_argument("--pairs", type=int, default=120_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    g, net, rates = default_gazetteer(), default_network(), FreightRates()
    rng = np.random.default_rng(args.seed)
    regency = rng.integers(0, len(g.regency), args.hubs)
    lat = g.regency_lat[regency] + rng.normal(0.0, 0.05, args.hubs)
    lon = g.regency_lon[regency] + rng.normal(0.0, 0.05, args.hubs)
    transport = rng.choice(["air", "reefer", "dry"], args.hubs, p=[0.2, 0.3, 0.5])
    max_days = np.where(transport == "air", 3.0, np.where(transport == "reefer", 90.0, np.inf))
    sea = [i for i, k in enumerate(net.kind) if k == "sea" and not net.origin[i]]
    air = [i for i, k in enumerate(net.kind) if k == "air" and not net.origin[i]]
    hub = rng.integers(0, args.hubs, args.pairs)
    destination = np.where(transport[hub] == "air", rng.choice(air, args.pairs),
                           rng.choice(sea, args.pairs))
    start = time.perf_counter()
    islands = hub_islands(lat, lon, regency)
    routes = plan_routes(net, rates, hub_lat=lat, hub_lon=lon, hub_island=islands,
                         transport=transport.tolist(), max_days=max_days, hub=hub,
                         destination=destination)
    seconds = time.perf_counter() - start
    legs = Counter(FIRST_LEGS[k] for k in routes.first_leg.tolist())
    late = int((routes.transit_days > max_days[hub]).sum())
    print(f"{args.pairs:,} pairs from {args.hubs:,} hubs: {seconds:.2f} s "
          f"({args.pairs / seconds:,.0f} pairs/s); first legs {dict(sorted(legs.items()))}; "
          f"{late:,} over their transit limit")


if __name__ == "__main__":
    main()
