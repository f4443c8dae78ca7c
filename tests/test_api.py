"""The public surface."""

import matching


def test_all_is_sorted_and_importable():
    assert list(matching.__all__) == sorted(matching.__all__)
    for name in matching.__all__:
        assert getattr(matching, name) is not None


def test_weights_validation():
    import pytest

    with pytest.raises(ValueError, match="The 'price' weight must be a non-negative"):
        matching.Weights(price=-1)
    with pytest.raises(ValueError, match="unknown weight"):
        matching.Weights.from_mapping({"prize": 1})
    with pytest.raises(ValueError, match="At least one weight must be positive"):
        matching.Weights(0, 0, 0, 0, 0, 0)


def test_config_validation():
    import pytest

    with pytest.raises(ValueError, match="unknown option"):
        matching.Config.from_mapping({"horizon": 2})
    with pytest.raises(ValueError, match="'horizon_months' option must be a non-negative"):
        matching.Config(horizon_months=-1)
    cfg = matching.Config.from_mapping({"rates": {"IDR": 15000}, "freight": {"air_per_kg": 1}})
    assert cfg.rates["IDR"] == 15000 and cfg.freight.air_per_kg == 1.0
