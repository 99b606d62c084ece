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
from .mortality import (
    mortality_indicators,
    mortality_period,
    period_label,
    pooled,
    standard_population,
    yearly_counts,
)
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


# two shares of about the same cost for a handful of areas (an ad hoc perimeter computed on both cores)
HALVES = (  # health status: life expectancy, causes of death; social: context, deprivation, the social gradient
    ("mortality", "health_status", "population", "precarity", "care_spending"),
    ("social", "primary_care", "equipment", "declared"),
)
FAMILIES = HALVES[0] + HALVES[1]


def indicator_frames(
    tables: dict[str, pd.DataFrame],
    standard: str = "france",
    threshold: int = DISCLOSURE_THRESHOLD,
    period_years: int = MORTALITY_PERIOD_YEARS,
    families: tuple[str, ...] = FAMILIES,
) -> list[pd.DataFrame]:
    """The rows of each family of ``families`` for every area, before comparators and trends: the families are
    independent, so that two processes may compute two sets of them (an ad hoc perimeter on both cores)."""
    return _family_frames(tables, standard, threshold, period_years, families)[0]


def _family_frames(tables, standard, threshold, period_years, families) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """(the families' rows, the standard population of direct standardisation, None without mortality)."""
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"familles d'indicateurs inconnues : {', '.join(sorted(unknown))}")
    t = tables
    frames = []
    if "population" in families:
        frames.append(population_indicators(t["population"], t["france_reference"], t["territories"]))
    standard_pop = None
    if "mortality" in families:
        mortality, standard_pop = mortality_indicators(
            t["deaths"], t["population"], t["france_reference"], t["territories"], standard, period_years
        )
        frames.append(mortality)
    if "precarity" in families:
        frames.append(css_rate(t["css"], t["population"], t["france_reference"], t["territories"], t["communes"]))
    if "care_spending" in families:
        frames.append(_care_spending(t))
    if "equipment" in families:
        frames.append(
            equipment_indicators(
                t["finess_places"], t["france_places"], t["population"], t["france_reference"], t["territories"]
            )
        )
    if "primary_care" in families:
        frames.append(primary_care_indicators(t))  # offre de soins de premier recours (issue 18)
    if "social" in families and "deprivation" in t:  # social context and health inequalities (issue 19)
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
    if "declared" in families:
        frames += _declared(t)
    if "health_status" in families:
        if standard_pop is None:
            standard_pop = _standard_population(t, standard, period_years)
        frames += _health_status(t, standard_pop, period_years)  # issue 17
    return frames, standard_pop


def finished_indicators(
    frames: list[pd.DataFrame], territories: pd.DataFrame, threshold: int = DISCLOSURE_THRESHOLD
) -> pd.DataFrame:
    """The families' rows with their comparators (département, région, France), significance, secret
    statistique and trend markers: ``indicators.parquet``."""
    meta = indicator_metadata()
    indicators = pd.concat(frames, ignore_index=True)
    indicators["reason"] = indicators["reason"].fillna("") if "reason" in indicators else ""
    unknown = set(indicators["indicator"]) - set(meta)
    if unknown:
        raise ValueError(f"indicateur(s) sans métadonnées dans metadata.yaml : {', '.join(sorted(unknown))}")
    tested = {k: bool(v["tested"]) for k, v in meta.items()}
    count_based = {k for k, v in meta.items() if v["count_based"]}
    out = add_comparators(indicators, area_list(territories), tested, threshold, count_based)
    out = add_trends(out, meta)  # issue 17
    return out.sort_values(["territory_code", "indicator", "sex", "category", "period"], ignore_index=True)


def compute_indicators(
    tables: dict[str, pd.DataFrame],
    standard: str = "france",
    threshold: int = DISCLOSURE_THRESHOLD,
    period_years: int = MORTALITY_PERIOD_YEARS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``indicators.parquet`` rows and the standard population used for direct standardisation."""
    frames, standard_pop = _family_frames(tables, standard, threshold, period_years, FAMILIES)
    return finished_indicators(frames, tables["territories"], threshold), standard_pop


def _standard_population(t: dict[str, pd.DataFrame], standard: str, period_years: int) -> pd.DataFrame:
    years = mortality_period(t["deaths"], t["population"], period_years)
    return standard_population(standard, t["france_reference"], years[-1])


def _declared(t: dict[str, pd.DataFrame]) -> list[pd.DataFrame]:
    declared_counts = t.get("declared_counts")
    if declared_counts is None:
        return []
    return [
        declared_indicator(
            d,
            declared_counts[declared_counts["indicator"] == d.id],
            t["population"],
            t["france_reference"],
            t["territories"],
        )
        for d in declarations()
        if (declared_counts["indicator"] == d.id).any()
    ]


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
