"""Mortalité générale et prématurée (< 65 ans): crude rate, directly standardised rate (Dobson),
ICM (indice comparatif de mortalité, France = 100, exact/Byar's interval), by sex and both sexes,
deaths pooled over a period of consecutive years.
"""

from __future__ import annotations

import pandas as pd

from diagnostics.methods import rates

from ..config import AGE_BANDS, FRANCE_CODE, MORTALITY_PERIOD_YEARS, PREMATURE_BANDS
from .common import ENSEMBLE, SEX_LABEL, rows, to_areas

# European Standard Population 2013 (Eurostat), 19 bands, 90+ last.
ESP2013 = [
    5000,
    5500,
    5500,
    5500,
    6000,
    6000,
    6500,
    7000,
    7000,
    7000,
    7000,
    6500,
    6000,
    5500,
    5000,
    4000,
    2500,
    1500,
    1000,
]
STANDARDS = ("france", "esp2013")


def mortality_period(deaths: pd.DataFrame, population: pd.DataFrame, years: int = MORTALITY_PERIOD_YEARS) -> list[int]:
    """The last ``years`` consecutive years present in both deaths and population."""
    common = sorted(set(deaths["year"]) & set(population["year"]))
    chosen = common[-years:]
    if len(chosen) < years or chosen[-1] - chosen[0] != years - 1:
        raise ValueError(
            f"mortalité : {years} années consécutives de décès et de population sont nécessaires, "
            f"années communes disponibles : {', '.join(map(str, common)) or 'aucune'}"
        )
    return chosen


def period_label(years: list[int]) -> str:
    return f"{years[0]}-{years[-1]}"


def standard_population(kind: str, france: pd.DataFrame, year: int) -> pd.DataFrame:
    """Standard population for direct standardisation: age_band (ours) → standard_band, weight.

    ``france``: population of France, both sexes, on 1 January of ``year`` (the French convention);
    ``esp2013``: European Standard Population 2013 (our 90-94 and 95+ bands pooled into 90+).
    """
    if kind == "france":
        w = france[france["year"] == year].groupby("age_band")["population"].sum().reindex(AGE_BANDS)
        return pd.DataFrame(
            {"standard": kind, "age_band": AGE_BANDS, "standard_band": AGE_BANDS, "weight": w.to_numpy(float)}
        )
    if kind == "esp2013":
        bands = AGE_BANDS[:18] + ["90+"]
        weight = dict(zip(bands, ESP2013))
        std = [b if b in weight else "90+" for b in AGE_BANDS]
        return pd.DataFrame(
            {"standard": kind, "age_band": AGE_BANDS, "standard_band": std, "weight": [weight[b] for b in std]}
        )
    raise ValueError(f"population standard inconnue « {kind} » (attendu : {', '.join(STANDARDS)})")


def yearly_counts(deaths, population, france, territories) -> pd.DataFrame:
    """territory_code, year, sex, age_band, population, deaths for every area and year — France
    included — computed once, then pooled over any period by :func:`pooled`."""
    keys = ["year", "sex", "age_band"]
    # summed to areas apart, then joined: no commune-level merge of millions of rows
    areas = to_areas(population, territories, keys, ["population"]).merge(
        to_areas(deaths, territories, keys, ["deaths"]), on=["territory_code"] + keys, how="outer"
    )
    areas[["population", "deaths"]] = areas[["population", "deaths"]].fillna(0)
    fr = france.groupby(["year", "sex", "age_band"], as_index=False, observed=True)[["population", "deaths"]].sum()
    out = pd.concat([areas, fr.assign(territory_code=FRANCE_CODE)], ignore_index=True)
    return out.astype({"year": "int64", "sex": str, "age_band": str})


def pooled(yearly: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """territory_code, sex, age_band, population (person-years), deaths over ``years``."""
    part = yearly[yearly["year"].isin(years)]
    return part.groupby(["territory_code", "sex", "age_band"], as_index=False)[["population", "deaths"]].sum()


def _with_ensemble(df: pd.DataFrame, by: list[str], values: list[str]) -> pd.DataFrame:
    by_sex = df.assign(sex=df["sex"].map(SEX_LABEL))
    both = df.groupby(by, as_index=False)[values].sum().assign(sex=ENSEMBLE)
    return pd.concat([by_sex, both], ignore_index=True)


def _family(counts: pd.DataFrame, standard: pd.DataFrame, period: str, prefix: str) -> list[pd.DataFrame]:
    crude_in = _with_ensemble(counts, ["territory_code"], ["population", "deaths"])
    crude_in = crude_in.groupby(["territory_code", "sex"], as_index=False)[["population", "deaths"]].sum()
    crude = rates.crude_rate(crude_in["deaths"], crude_in["population"])
    crude = pd.concat([crude_in[["territory_code", "sex"]], crude], axis=1).assign(
        numerator=crude_in["deaths"], denominator=crude_in["population"]
    )

    std = counts.merge(standard[["age_band", "standard_band"]], on="age_band")
    std = std.groupby(["territory_code", "sex", "standard_band"], as_index=False)[["population", "deaths"]].sum()
    std = _with_ensemble(std, ["territory_code", "standard_band"], ["population", "deaths"])
    weights = standard.drop_duplicates("standard_band")[["standard_band", "weight"]]
    std = std.merge(weights, on="standard_band")
    dsr = rates.directly_standardised_rate(std, by=["territory_code", "sex"], weight="weight")

    out = [rows(dsr, f"{prefix}_dsr", "pour 100 000", period=period), _icm(counts, f"{prefix}_icm", period)]
    if prefix == "mortality":
        out.insert(0, rows(crude, "mortality_crude_rate", "pour 100 000", period=period))
    return out


def _icm(counts: pd.DataFrame, indicator: str, period: str) -> pd.DataFrame:
    """ICM by sex and both sexes: observed / expected at France's rates by sex and age × 100."""
    fr = counts[counts["territory_code"] == FRANCE_CODE].set_index(["sex", "age_band"])
    fr_rate = (fr["deaths"] / fr["population"]).rename("fr_rate").reset_index()
    e = counts.merge(fr_rate, on=["sex", "age_band"])
    e["expected"] = e["population"] * e["fr_rate"]
    e = e.groupby(["territory_code", "sex"], as_index=False)[["deaths", "expected"]].sum()
    e = _with_ensemble(e, ["territory_code"], ["deaths", "expected"])
    icm = rates.indirectly_standardised_ratio(e["deaths"], e["expected"], refvalue=100)
    icm = pd.concat([e[["territory_code", "sex"]], icm], axis=1).assign(
        numerator=e["deaths"], denominator=e["expected"]
    )
    return rows(icm, indicator, "indice (France = 100)", period=period)


TREND_WINDOW_YEARS = 3  # moyennes triennales glissantes: enough deaths for small territories, several points


def icm_trend(yearly: pd.DataFrame) -> pd.DataFrame:
    """``mortality_icm_trend``: the ICM over every rolling three-year period of the years available
    (each period against France's rates of the same period)."""
    local = yearly[yearly["territory_code"] != FRANCE_CODE]
    common = sorted(set(local["year"]) & set(yearly.loc[yearly["territory_code"] == FRANCE_CODE, "year"]))
    windows = [common[i : i + TREND_WINDOW_YEARS] for i in range(len(common) - TREND_WINDOW_YEARS + 1)]
    windows = [w for w in windows if w[-1] - w[0] == TREND_WINDOW_YEARS - 1]
    frames = [_icm(pooled(yearly, w), "mortality_icm_trend", period_label(w)) for w in windows]
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else rows(pd.DataFrame(columns=["territory_code", "value"]), "mortality_icm_trend", "indice (France = 100)")
    )


def mortality_indicators(
    deaths, population, france, territories, standard_kind: str = "france", period_years: int = MORTALITY_PERIOD_YEARS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicator rows for every area, and the standard population used."""
    years = mortality_period(deaths, population, period_years)
    period = period_label(years)
    standard = standard_population(standard_kind, france, years[-1])
    yearly = yearly_counts(deaths, population, france, territories)
    counts = pooled(yearly, years)
    premature = counts[counts["age_band"].isin(PREMATURE_BANDS)]
    frames = _family(counts, standard, period, "mortality") + _family(
        premature, standard, period, "premature_mortality"
    )
    frames.append(icm_trend(yearly))
    return pd.concat(frames, ignore_index=True), standard
