"""2SFCA accessibility (APL): hand-computed case, banded decay, coordinates, pairs beyond 20 minutes."""

import numpy as np
import pandas as pd
import pytest

from diagnostics.config import AGE_BANDS
from diagnostics.methods import accessibility as acc

KM_PER_DEGREE_AT_EQUATOR = acc.EARTH_RADIUS_KM * np.pi / 180


def _times(pairs: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Symmetric table (both directions) plus each commune to itself at 0 min."""
    rows = [(a, b, t) for (a, b), t in pairs.items()] + [(b, a, t) for (a, b), t in pairs.items()]
    rows += [(c, c, 0.0) for c in sorted({c for pair in pairs for c in pair})]
    return pd.DataFrame(rows, columns=["origin", "destination", "minutes"])


# Four communes. Times: A–B 8 min (weight 1), A–C 12 (2/3), B–C 16 (1/3), C–D 18 (1/3),
# A–D 25 and B–D 30 (0).
FOUR = {("A", "B"): 8.0, ("A", "C"): 12.0, ("B", "C"): 16.0, ("C", "D"): 18.0, ("A", "D"): 25.0, ("B", "D"): 30.0}
SUPPLY = pd.Series({"A": 3.0, "C": 1.0})  # GP FTE
DEMAND = pd.Series({"A": 2000.0, "B": 1000.0, "C": 1500.0, "D": 500.0})  # standardised population


def test_two_step_fca_on_four_communes_by_hand():
    """Step 1, population within reach of each GP commune, then FTE per person:
      A: 2000·1 + 1000·1 + 1500·2/3 + 500·0 = 4000        → R_A = 3/4000 = 0.00075
      C: 2000·2/3 + 1000·1/3 + 1500·1 + 500·1/3 = 3333.33 → R_C = 1/3333.33 = 0.0003
    Step 2, FTE within reach per 100 000 inhabitants:
      A: 1·0.00075 + 2/3·0.0003 = 0.00095 → 95
      B: 1·0.00075 + 1/3·0.0003 = 0.00085 → 85
      C: 2/3·0.00075 + 1·0.0003 = 0.00080 → 80
      D: 0·0.00075 + 1/3·0.0003 = 0.00010 → 10
    Check: Σ P·APL = 2000·95 + 1000·85 + 1500·80 + 500·10 = 400 000 = 4 FTE × 100 000.
    """
    apl = acc.two_step_fca(SUPPLY, DEMAND, _times(FOUR))
    assert apl.to_dict() == pytest.approx({"A": 95.0, "B": 85.0, "C": 80.0, "D": 10.0}, rel=1e-12)
    assert (apl * DEMAND).sum() == pytest.approx(4 * 100_000)


def test_consultations_per_inhabitant_with_multiplier_one():
    """Supply as yearly consultations (3 FTE × 5 000, 1 FTE × 5 000) gives consultations per inhabitant."""
    apl = acc.two_step_fca(SUPPLY * 5000, DEMAND, _times(FOUR), multiplier=1)
    assert apl["A"] == pytest.approx(95 * 5000 / 100_000)


def test_banded_decay_weights():
    minutes = [0, 9.99, 10, 14.99, 15, 19.99, 20, 45, np.nan]
    assert acc.banded_decay(minutes).tolist() == pytest.approx([1, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0, 0, 0])
    assert acc.banded_decay([5, 25], bands=((30.0, 0.5),)).tolist() == [0.5, 0.5]


def test_pairs_beyond_twenty_minutes_are_ignored():
    """A huge supply in E, 21 minutes from A, changes nothing for A, B, C or D."""
    far = dict(FOUR) | {("A", "E"): 21.0, ("D", "E"): 20.0}
    apl = acc.two_step_fca(SUPPLY.reindex(["A", "C", "E"]).fillna(1000.0), DEMAND, _times(far))
    assert apl[["A", "B", "C", "D"]].to_dict() == pytest.approx({"A": 95.0, "B": 85.0, "C": 80.0, "D": 10.0})
    assert apl["E"] == 0  # nobody lives in E: its GPs serve no one and E itself reaches A..D only beyond 20 min


def test_missing_self_pairs_are_added_and_duplicates_refused():
    no_self = _times(FOUR).query("origin != destination")
    assert acc.two_step_fca(SUPPLY, DEMAND, no_self).to_dict() == pytest.approx(
        {"A": 95.0, "B": 85.0, "C": 80.0, "D": 10.0}
    )
    with pytest.raises(ValueError, match="plusieurs fois"):
        acc.two_step_fca(SUPPLY, DEMAND, pd.concat([_times(FOUR), _times(FOUR).head(1)]))


def _on_equator(km_from_origin: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "commune": list(km_from_origin),
            "latitude": 0.0,
            "longitude": [km / KM_PER_DEGREE_AT_EQUATOR for km in km_from_origin.values()],
        }
    )


def test_times_from_coordinates_agree_with_the_distance_along_the_equator():
    """Points on the equator 0, 8, 12 and 29 km east: great-circle distances are the differences. At 60 km/h
    with no detour a km is a minute, so the table holds A–B 8, A–C 12, B–C 4, C–D 17; B–D (21) and A–D (29)
    are beyond reach."""
    coords = _on_equator({"A": 0.0, "B": 8.0, "C": 12.0, "D": 29.0})
    times = acc.travel_times_from_coordinates(coords, speed_kmh=60, detour=1.0)
    got = {(o, d): m for o, d, m in times.itertuples(index=False)}
    expected = {("A", "B"): 8.0, ("A", "C"): 12.0, ("B", "C"): 4.0, ("C", "D"): 17.0}
    expected |= {(b, a): t for (a, b), t in expected.items()} | {(c, c): 0.0 for c in "ABCD"}
    assert got.keys() == expected.keys()
    assert list(got.values()) == pytest.approx([expected[k] for k in got], abs=1e-6)


def test_default_detour_and_speed():
    """1.3 × km / 60 km/h: 10 km as the crow flies take 13 minutes; 15.4 km (20.02 min) are out of reach."""
    times = acc.travel_times_from_coordinates(_on_equator({"A": 0.0, "B": 10.0, "C": 15.4}))
    pairs = times[times["origin"] == "A"].set_index("destination")["minutes"]
    assert pairs["B"] == pytest.approx(13.0, rel=1e-9)
    assert "C" not in pairs.index


def test_apl_from_coordinates_equals_apl_from_the_same_times_given():
    coords = _on_equator({"A": 0.0, "B": 8.0, "C": 12.0, "D": 29.0})
    given = _times(
        {("A", "B"): 8.0, ("A", "C"): 12.0, ("B", "C"): 4.0, ("C", "D"): 17.0, ("B", "D"): 21.0, ("A", "D"): 29.0}
    )
    from_coords = acc.potential_accessibility(SUPPLY, DEMAND, coordinates=coords, speed_kmh=60, detour=1.0)
    from_table = acc.potential_accessibility(SUPPLY, DEMAND, times=given)
    pd.testing.assert_series_equal(from_coords, from_table, rtol=1e-9)


def test_communes_without_coordinates_are_an_error():
    coords = _on_equator({"A": 0.0, "B": 8.0})
    with pytest.raises(ValueError, match="sans coordonnées"):
        acc.potential_accessibility(SUPPLY, DEMAND, coordinates=coords)


def test_standardised_population_weights_ages_and_keeps_the_total():
    """Two communes of 1 000: one of 0-4 year olds (weight 2), one of 30-34 (weight 1) under a toy table.
    Weighted 2000 and 1000, rescaled by 2000/3000: 1333.33 and 666.67, total 2000 as before."""
    use = pd.Series({"00-04": 2.0, "30-34": 1.0})
    population = pd.DataFrame(
        {
            "commune": ["X", "X", "Y"],
            "age_band": ["00-04", "00-04", "30-34"],
            "sex": ["M", "F", "M"],
            "population": [600.0, 400.0, 1000.0],
        }
    )
    got = acc.standardised_population(population, use)
    assert got.to_dict() == pytest.approx({"X": 4000 / 3, "Y": 2000 / 3})
    with pytest.raises(ValueError, match="coefficient"):
        acc.standardised_population(population.assign(age_band="95+"), use)


def test_default_use_table_covers_the_project_age_bands():
    use = acc.gp_use_by_age()
    assert list(use.index) == AGE_BANDS
    assert (use > 0).all()
    assert use["80-84"] > use["30-34"] > use["10-14"]
