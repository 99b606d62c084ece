"""The regional overview: funnel limits with real numbers, a reproducible typology, the overview
grid against indicators.parquet, and the page the batch writes."""

import numpy as np
import pandas as pd
import pytest

from diagnostics.methods.disclosure import publishable_indicators
from diagnostics.reporting import overview, overview_figures


def test_funnel_limits_are_the_exact_poisson_quantiles():
    """For 100 expected deaths, a territory with France's rates has 95 % chance to observe 81.4 to
    121.6 deaths (Garwood's exact limits), i.e. an ICM between 81.4 and 121.6."""
    low, high = overview.funnel_limits([100.0, 10.0], 0.95)
    assert low[0] == pytest.approx(81.36, abs=0.01) and high[0] == pytest.approx(121.63, abs=0.01)
    assert low[1] == pytest.approx(47.95, abs=0.01) and high[1] == pytest.approx(183.90, abs=0.01)  # wider when small
    low3, high3 = overview.funnel_limits([100.0], 0.998)
    assert low3[0] < low[0] and high3[0] > high[0]


def _two_profiles(order):
    """Six territories: three with high mortality and low CSS, three the other way round."""
    rows = []
    for code, icm, css in [
        ("A1", 130, 5),
        ("A2", 128, 6),
        ("A3", 133, 5.5),
        ("B1", 80, 15),
        ("B2", 84, 14),
        ("B3", 79, 16),
    ]:
        for ind, v in (("mortality_icm", icm), ("css_rate", css)):
            rows.append(
                {
                    "territory_code": code,
                    "indicator": ind,
                    "sex": "ensemble",
                    "category": "total",
                    "period": "2023",
                    "value": v,
                }
            )
    df = pd.DataFrame(rows)
    return df.iloc[order].reset_index(drop=True)


def test_typology_finds_the_profiles_and_is_reproducible():
    ind = _two_profiles(list(range(12)))
    codes = ["A1", "A2", "A3", "B1", "B2", "B3"]
    groups, profile = overview.typology(ind, codes, ["mortality_icm", "css_rate"], groups=2)
    assert groups.groupby("group")["territory_code"].apply(sorted).tolist() == [["A1", "A2", "A3"], ["B1", "B2", "B3"]]
    assert profile.loc["A", "mortality_icm"] > 0.9 and profile.loc["A", "css_rate"] < -0.9
    shuffled, _ = overview.typology(
        _two_profiles(list(np.random.default_rng(1).permutation(12))),
        codes[::-1],
        ["mortality_icm", "css_rate"],
        groups=2,
    )
    assert shuffled.sort_values("territory_code").reset_index(drop=True).equals(groups.reset_index(drop=True))
    meta = {"mortality_icm": {"label": "ICM", "higher_is": "worse"}, "css_rate": {"label": "CSS", "higher_is": "worse"}}
    assert overview.describe_group(profile.loc["A"], meta) == (
        "ICM au-dessus de la moyenne (défavorable) ; CSS en dessous de la moyenne (favorable)"
    )


def test_overview_grid_shows_every_territory_with_its_published_values(demo_tables):
    page = overview_figures.grid_html(demo_tables)
    published = publishable_indicators(demo_tables["indicators"])
    areas, references = overview.overview_rows(demo_tables["territories"])
    assert len(areas) == 13 and references[-1] == "FRANCE"
    sud = published[
        (published.territory_code == "TS-SUD")
        & (published.indicator == "mortality_icm")
        & (published.sex == "ensemble")
    ]
    assert f'data-sort="{sud.value.iloc[0]:.6g}" class="sig-meilleur"' in page
    assert page.count("<tr>") == 1 + len(areas) + len(references)
    assert 'class="sig-non-calculable"' in page  # CLS des Hauts-Vallons, masked
