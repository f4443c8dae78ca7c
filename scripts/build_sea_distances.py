"""Regenerate ``matching/data/sea_distances.csv`` from ``matching/data/ports.csv``.

For every Indonesian origin SEAPORT the sea distance, in nautical miles rounded to 0.1,
to every destination seaport, and to every other Indonesian seaport in both directions
(inter-island legs), computed with the ``searoute`` package (shortest path over its
global maritime network, derived from Eurostat's SeaRoute network; Apache-2.0).  Airports
(``kind == "air"``) are skipped.  Passages are left at searoute's default restriction
(only the Northwest Passage is avoided), so routes may use Suez, Panama, Malacca and
Sunda as a ship normally would.

Each port is joined to the network by straight connector edges that count in the
distance (searoute's ``append_orig_dest``): by default to the nearest network node, which
is what ``searoute`` itself does.  The network is coarse in eastern Indonesia, where the
nearest node can lie 150-300 km away on the wrong side of the port (Merauke's is in the
Torres Strait), so ``SEA_ACCESS`` below lists, for those ports, the network nodes chosen
by hand so that each connector runs over open water in a direction ships leave by.  The
two ports of a pair are added to the network for that pair only, so no route can cut
through a third port's connectors.

``searoute`` is a build-time tool, NOT a runtime dependency of ``bumdes-match``.

How to run (from the repository root)::

    python3 -m venv /tmp/geovenv
    /tmp/geovenv/bin/pip install searoute==1.6.0
    /tmp/geovenv/bin/python scripts/build_sea_distances.py

It takes a few seconds.  ``--ports`` and ``--out`` override the default file locations.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "matching" / "data"
EARTH_KM = 6371.0088

# Network nodes (lon, lat) to join these ports to, instead of the single nearest node
# (distance to that nearest node in brackets).
SEA_ACCESS: dict[str, list[tuple[float, float]]] = {
    # Pontianak [227 km, a stub off Kuching]: north along the coast to Tanjung Datu, and
    # south-west to the Karimata Strait.
    "IDPNK": [(109.077742, 2.198945), (107.656412, -1.540824)],
    # Kendari [159 km]: Kendari Bay opens east; south-east to the Banda Sea off Buton and
    # north-east past Wawonii.
    "IDKDI": [(123.499395, -5.089442), (123.736604, -2.967621)],
    # Ternate [192 km]: south into the Molucca Sea and west towards Bitung (the lanes east
    # of Ternate are on the far side of Halmahera).
    "IDTTE": [(126.807489, -0.841015), (125.555923, 1.487671)],
    # Merauke [290 km, Torres Strait]: east to Torres and west into the Arafura Sea.
    "IDMKQ": [(142.108154, -10.447299), (137.0, -9.0)],
    # Makassar [90 km]: south-west out of the Makassar roads and north up the strait.
    "IDMAK": [(119.105494, -5.878999), (118.453638, -3.189385)],
    # Sohar [74 km, a stub]: north-west along the coast and north-east into the Gulf of Oman.
    "OMSOH": [(56.403809, 25.137825), (57.1, 25.5)],
}


def read_ports(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [p for p in csv.DictReader(handle) if p["kind"] == "sea"]


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p = math.radians
    h = (math.sin(p(b[1] - a[1]) / 2) ** 2
         + math.cos(p(a[1])) * math.cos(p(b[1])) * math.sin(p(b[0] - a[0]) / 2) ** 2)
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


class SeaNetwork:
    """searoute's maritime network, with ports joined to it one pair at a time."""

    def __init__(self) -> None:
        import searoute  # build-time only
        from searoute.data.marnet_dict import edge_list, node_list

        self.searoute = searoute
        self.graph = searoute.from_nodes_edges_set(searoute.Marnet(), node_list, edge_list)
        self.nodes = list(self.graph.nodes)

    def access(self, port: dict[str, str]) -> list[tuple[float, float]]:
        if port["locode"] in SEA_ACCESS:
            chosen = SEA_ACCESS[port["locode"]]
            missing = [n for n in chosen if n not in self.graph]
            if missing:
                raise SystemExit(f"{port['locode']}: SEA_ACCESS nodes not in network: {missing}")
            return chosen
        point = (float(port["lon"]), float(port["lat"]))
        return [min(self.nodes, key=lambda n: haversine_km(point, n))]

    def nautical_miles(self, origin: dict[str, str], destination: dict[str, str]) -> float:
        added = []
        for port in (origin, destination):
            point = (float(port["lon"]), float(port["lat"]))
            if point in self.graph:
                raise SystemExit(f"{port['locode']} coincides with a network node")
            for node in self.access(port):
                self.graph.add_edge(point, node, weight=round(haversine_km(point, node), 1))
            added.append(point)
        try:
            route = self.searoute.searoute(list(added[0]), list(added[1]), units="naut",
                                           M=self.graph, append_orig_dest=True)
        finally:
            for point in added:
                self.graph.remove_node(point)
        return float(route["properties"]["length"])


def build(ports_path: Path, out_path: Path) -> int:
    ports = read_ports(ports_path)
    origins = [p for p in ports if p["role"] == "origin"]
    destinations = [p for p in ports if p["role"] == "destination"]
    if not origins or not destinations:
        raise SystemExit("ports.csv has no origin or no destination seaports")
    pairs = [(o, d) for o in origins for d in destinations]
    pairs += [(a, b) for a in origins for b in origins if a["locode"] != b["locode"]]
    network = SeaNetwork()
    rows = []
    for origin, destination in pairs:
        nm = round(network.nautical_miles(origin, destination), 1)
        if not nm > 0:
            raise SystemExit(f"no positive distance {origin['locode']} -> "
                             f"{destination['locode']}: {nm}")
        rows.append({"origin": origin["locode"], "destination": destination["locode"],
                     "distance_nm": f"{nm:.1f}"})
    with out_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["origin", "destination", "distance_nm"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", type=Path, default=DATA_DIR / "ports.csv")
    parser.add_argument("--out", type=Path, default=DATA_DIR / "sea_distances.csv")
    args = parser.parse_args()
    count = build(args.ports, args.out)
    print(f"wrote {count} sea distances to {args.out}")


if __name__ == "__main__":
    main()
