"""Secret statistique and French number formats."""

import numpy as np
import pandas as pd

from diagnostics.formatting import fr_interval, fr_number, fr_value, parse_fr_number
from diagnostics.methods.disclosure import masked_label, publishable_indicators, rule_text, shown_count


def test_a_count_is_shown_or_masked_by_its_flag_never_by_a_constant():
    # the flag decides, whatever the count: a 9 not flagged (threshold 5) is shown, a 40 flagged (secondary) is not
    assert shown_count(9, False, 5) == "9"
    assert shown_count(9, True, 20) == "<\u00a020"
    assert shown_count(40, True, 11) == "<\u00a011"
    assert shown_count(1234, False, 11) == "1\u202f234"
    assert masked_label(5) == "<\u00a05"


def test_the_rule_is_written_with_the_threshold():
    assert rule_text(11) == "aucun effectif de 1 à 10 n'est publié"
    assert rule_text(20) == "aucun effectif de 1 à 19 n'est publié"
    assert rule_text(2) == "aucun effectif de 1 n'est publié"
    assert "désactivé" in rule_text(1)


def test_publishable_rows_lose_value_interval_and_count_and_comparator_echo():
    ind = pd.DataFrame(
        {
            "territory_code": ["T", "U"],
            "indicator": ["x", "x"],
            "sex": ["ensemble"] * 2,
            "category": ["total"] * 2,
            "period": ["p", "p"],
            "value": [52.0, 80.0],
            "ci_low": [20.0, 70.0],
            "ci_high": [90.0, 90.0],
            "numerator": [7, 300],
            "denominator": [13.4, 375.0],
            "small_count": [True, False],
            "departement_code": [None, "T"],
            "region_code": [None, None],
            "value_departement": [np.nan, 52.0],
            "value_region": [np.nan, np.nan],
            "value_france": [100.0, 100.0],
            "sig_departement": ["", "supérieur"],
            "sig_region": ["", ""],
            "sig_france": ["inférieur", "inférieur"],
        }
    )
    out = publishable_indicators(ind)
    t = out.iloc[0]
    assert np.isnan(t.value) and np.isnan(t.ci_low) and np.isnan(t.numerator)
    assert t.denominator == 13.4
    assert t.sig_france == "non calculable"
    assert np.isnan(out.iloc[1].value_departement)  # T's masked value must not reappear as U's comparator
    assert ind.iloc[0].value == 52.0  # input untouched


def test_french_formats():
    assert fr_number(1911) == "1\u202f911"
    assert fr_value(1911.4, "€ par habitant") == "1\u202f911\u00a0€"
    assert fr_value(9.74, "%", 1) == "9,7\u00a0%"
    assert fr_interval(119.2, 137.4) == "[119\u00a0–\u00a0137]"
    assert fr_number(float("nan")) == "–"
    assert parse_fr_number("1\u202f234,5") == 1234.5


def test_one_masked_sex_masks_the_other():
    """hommes 5 + femmes 20 = ensemble 25: publishing femmes would give hommes back."""
    from diagnostics.indicators.common import add_comparators
    from diagnostics.territories.areas import area_list

    ind = pd.DataFrame(
        {
            "territory_code": ["T"] * 3,
            "indicator": ["mortality_icm"] * 3,
            "sex": ["hommes", "femmes", "ensemble"],
            "category": ["total"] * 3,
            "period": ["2019-2023"] * 3,
            "value": [90.0, 110.0, 104.0],
            "ci_low": [30.0, 67.0, 67.0],
            "ci_high": [210.0, 170.0, 153.0],
            "numerator": [5, 20, 25],
            "denominator": [5.5, 18.2, 23.7],
            "unit": ["i"] * 3,
            "method": ["Exact", "Byars", "Byars"],
            "small_count": [False] * 3,
        }
    )
    areas = area_list(
        pd.DataFrame(
            {
                "territory_code": ["T"],
                "territory_name": ["T"],
                "kind": ["CLS"],
                "commune": ["96101"],
                "departement_code": [None],
                "region_code": [None],
                "reported": [True],
            }
        )
    )
    out = add_comparators(ind, areas, {"mortality_icm": True}, 11, {"mortality_icm"})
    assert dict(zip(out.sex, out.small_count)) == {"hommes": True, "femmes": True, "ensemble": False}


def _rows(spec):
    """Indicator rows from (indicator, sex, category, period, numerator) tuples of one territory."""
    return pd.DataFrame(
        [
            {"territory_code": "T", "indicator": i, "sex": s, "category": c, "period": p, "numerator": float(n)}
            for i, s, c, p, n in spec
        ]
    )


def test_a_masked_part_of_a_total_masks_the_other_parts():
    """CSS: 5 without contribution (masked) + 20 with = 25 in all; publishing 20 and 25 would give 5."""
    from diagnostics.methods.disclosure import secondary_suppression

    ind = _rows(
        [("css_rate", "ensemble", c, "2023", n) for c, n in (("gratuite", 5), ("participation", 20), ("total", 25))]
    )
    small = pd.Series([True, False, False])
    assert secondary_suppression(small, ind).tolist() == [True, True, False]


def test_deaths_at_65_and_over_recoverable_from_all_ages_minus_premature_mask_the_premature_rows():
    from diagnostics.methods.disclosure import secondary_suppression

    spec = [
        ("mortality_icm", "ensemble", "total", "2019-2023", 15),
        ("mortality_dsr", "ensemble", "total", "2019-2023", 15),
        ("premature_mortality_icm", "ensemble", "total", "2019-2023", 12),
        ("premature_mortality_dsr", "ensemble", "total", "2019-2023", 12),
    ]
    masked = secondary_suppression(pd.Series([False] * 4), _rows(spec))
    assert masked.tolist() == [False, False, True, True]  # 15 − 12 = 3 deaths at 65+ would be published
    spec[2:] = [
        (i, s, c, p, 2) for i, s, c, p, _ in spec[2:]
    ]  # 15 − 2 = 13: nothing to hide (2 itself is masked upstream)
    assert not secondary_suppression(pd.Series([False, False, True, True]), _rows(spec))[:2].any()


def test_a_single_year_solvable_from_overlapping_periods_masks_the_rolling_windows():
    """2018 = (2018–2020) + (2021–2023) − (2019–2023): with 4 deaths in 2018 the windows go."""
    from diagnostics.methods.disclosure import secondary_suppression

    def rows(d2018):
        deaths = {2018: d2018, 2019: 12, 2020: 14, 2021: 13, 2022: 15, 2023: 16}
        windows = [(y, y + 2) for y in range(2018, 2022)]
        spec = [("mortality_icm", "ensemble", "total", "2019-2023", sum(deaths[y] for y in range(2019, 2024)))]
        spec += [
            ("mortality_icm_trend", "ensemble", "total", f"{a}-{b}", sum(deaths[y] for y in range(a, b + 1)))
            for a, b in windows
        ]
        return _rows(spec)

    exposed = secondary_suppression(pd.Series([False] * 5), rows(4))
    assert exposed.tolist() == [False, True, True, True, True]
    assert not secondary_suppression(pd.Series([False] * 5), rows(11)).any()
