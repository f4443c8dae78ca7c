"""Shared fixtures: small valid supply and demand tables."""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

SUPPLY_HEADER = "supplier_id,product,quantity,price,province,regency"
DEMAND_HEADER = "buyer_id,product,quantity,moq,max_price,country"


@pytest.fixture
def write(tmp_path):
    """Write text to a file in tmp_path and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
        return path

    return _write


def supply_rows():
    """A small valid supply: crab from Konawe and Banggai, banana flour from Lampung."""
    return [
        {"supplier_id": "S1", "product": "kepiting bakau hidup", "quantity": "800 kg/bulan",
         "price": "115.000", "province": "Sulawesi Tenggara", "regency": "Konawe"},
        {"supplier_id": "S2", "product": "kepiting bakau hidup", "quantity": "1,2 ton/bulan",
         "price": "118.000", "province": "Sultra", "regency": "Kab. Konawe"},
        {"supplier_id": "S3", "product": "kepiting bakau", "quantity": "700",
         "price": "105.000", "province": "Sulawesi Tengah", "regency": "Banggai"},
        {"supplier_id": "S4", "product": "tepung pisang", "quantity": "2 ton",
         "price": "24.000", "province": "Lampung", "regency": "Lampung Selatan"},
    ]


def demand_rows():
    """A small valid demand: crab to Hong Kong with an MOQ, banana flour to Rotterdam."""
    return [
        {"buyer_id": "B1", "product": "live mud crab", "quantity": "2 MT", "moq": "1500",
         "max_price": "14.5", "country": "Hong Kong"},
        {"buyer_id": "B2", "product": "banana flour", "quantity": "1 MT", "moq": "",
         "max_price": "3", "country": "Netherlands"},
    ]
