"""All indicators for all territories and comparators, in one vectorised pass (``compute_indicators``)."""

from __future__ import annotations

import pandas as pd

from diagnostics.territories.areas import area_list

from ..config import DISCLOSURE_THRESHOLD, MORTALITY_PERIOD_YEARS
from .causes import cause_indicators  # issue 17: causes of death, avoidable mortality
from .common import add_comparators
from .consumption import care_spending_indicators, departemental_care_spending_indicators
from .declared import declarations, declared_indicator
from .life_expectancy import life_expectancy_indicators, life_table_inputs  # issue 17
from .medico_social import equipment_indicators
from .metadata import indicator_metadata
from .mortality import mortality_indicators, mortality_period, period_label, pooled, yearly_counts
from .population import population_indicators
from .precarity import css_rate
from .primary_care import primary_care_indicators
from .social import social_indicators  # social context and health inequalities (issue 19)
from .social_gradient import gradient_indicators
from .trend_markers import add_trends  # issue 17


def _care_spending(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """From commune amounts when the folder has them, else from the Cnam files by département."""
    if not t["care_spending"].empty or t.get("departement_spending") is None or t["departement_spending"].empty:
        return care_spending_indicators(t["care_spending"], t["france_spending"], t["population"], t["territories"])
    return departemental_care_spending_indicators(
        t["departement_spending"], t["insured_population"], t.get("france_spending"), t["territories"], t["communes"]
    )


def compute_indicators(
    tables: dict[str, pd.DataFrame],
    standard: str = "france",
    threshold: int = DISCLOSURE_THRESHOLD,
    period_years: int = MORTALITY_PERIOD_YEARS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``indicators.parquet`` rows and the standard population used for direct standardisation."""
    t = tables
    mortality, standard_pop = mortality_indicators(
        t["deaths"], t["population"], t["france_reference"], t["territories"], standard, period_years
    )
    frames = [
        population_indicators(t["population"], t["france_reference"], t["territories"]),
        mortality,
        css_rate(t["css"], t["population"], t["france_reference"], t["territories"], t["communes"]),
        _care_spending(t),
        equipment_indicators(
            t["finess_places"], t["france_places"], t["population"], t["france_reference"], t["territories"]
        ),
        primary_care_indicators(t),  # offre de soins de premier recours (issue 18)
    ]
    if "deprivation" in t:  # social context and health inequalities (issue 19)
        frames.append(social_indicators(t))
        frames.append(
            gradient_indicators(
                t["deaths"],
                t["population"],
                t["france_reference"],
                t["deprivation"],
                t["territories"],
                period_years,
                threshold,
            )
        )
    declared_counts = t.get("declared_counts")
    for d in declarations():
        if declared_counts is not None and (declared_counts["indicator"] == d.id).any():
            frames.append(
                declared_indicator(
                    d,
                    declared_counts[declared_counts["indicator"] == d.id],
                    t["population"],
                    t["france_reference"],
                    t["territories"],
                )
            )
    frames += _health_status(t, standard_pop, period_years)  # issue 17
    meta = indicator_metadata()
    indicators = pd.concat(frames, ignore_index=True)
    indicators["reason"] = indicators["reason"].fillna("") if "reason" in indicators else ""
    unknown = set(indicators["indicator"]) - set(meta)
    if unknown:
        raise ValueError(f"indicateur(s) sans métadonnées dans metadata.yaml : {', '.join(sorted(unknown))}")
    tested = {k: bool(v["tested"]) for k, v in meta.items()}
    count_based = {k for k, v in meta.items() if v["count_based"]}
    out = add_comparators(indicators, area_list(t["territories"]), tested, threshold, count_based)
    out = add_trends(out, meta)  # issue 17
    return out.sort_values(
        ["territory_code", "indicator", "sex", "category", "period"], ignore_index=True
    ), standard_pop


# --- health status (issue 17) ----------------------------------------------------------------------------


def health_life_table_inputs(t: dict[str, pd.DataFrame], period_years: int = MORTALITY_PERIOD_YEARS) -> pd.DataFrame:
    """``life_table_inputs.parquet``: the life tables' person-years and deaths on the mortality period."""
    years = mortality_period(t["deaths"], t["population"], period_years)
    yearly = yearly_counts(t["deaths"], t["population"], t["france_reference"], t["territories"])
    return life_table_inputs(pooled(yearly, years), period_label(years))


def _health_status(t: dict[str, pd.DataFrame], standard_pop: pd.DataFrame, period_years: int) -> list[pd.DataFrame]:
    inputs = t.get("life_table_inputs")
    inputs = health_life_table_inputs(t, period_years) if inputs is None else inputs
    frames = [life_expectancy_indicators(inputs)]
    causes = cause_indicators(
        t.get("cause_deaths"),
        t["population"],
        t["france_reference"],
        t["territories"],
        t["communes"],
        standard_pop,
        period_years,
    )
    return frames + ([causes] if not causes.empty else [])
