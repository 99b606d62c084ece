"""Gradient social de la mortalité (issue 19): the ICM and the premature ICM of the communes of each FDep
quintile, for every area, and the slope and relative indices of inequality (SII, RII) over the quintiles.

* ``mortality_icm_by_deprivation``, ``premature_mortality_icm_by_deprivation``: category ``q1`` (least
  deprived) … ``q5`` (most deprived), and ``sans_fdep`` for the communes without FDep (so that the total
  minus the quintiles is a published figure, subject to the secret statistique like the others: when one
  of these parts is masked, all are); deaths and expected deaths (France's rates by sex and age of the
  same years) of the area's communes of that quintile, over the mortality period. An area one of whose parts
  is a small count has none of these rows (:func:`with_small_part`): its SII, which gives none of them back,
  is still computed when it is large enough.
* ``mortality_icm_sii`` / ``_rii`` and ``premature_mortality_icm_sii`` / ``_rii``: PHEindicatormethods'
  ``phe_sii`` (:func:`~diagnostics.methods.inequality.slope_index_of_inequality`) on the five quintiles,
  each weighted by its person-years, limits by simulation (100 000 draws, seed 1) from the ICM's own
  limits (log scale). They are oriented so that a positive SII means a higher ICM at the most deprived
  end: SII = fitted ICM at the most deprived end − at the least deprived end (ICM points); RII = their
  ratio. Computed only for an area « large enough »: its communes cover the five quintiles and each
  quintile counts at least as many deaths as the secret statistique's threshold.
* ``life_expectancy_0_by_deprivation`` (both sexes, years): the life table (Chiang II, PHE's rules) of the
  communes of each quintile, from their person-years and deaths by age band; ``life_expectancy_0_sii`` /
  ``_rii``: ``phe_sii`` on the five life expectancies (value type « normal », as Fingertips' « slope index of
  inequality in life expectancy »), oriented as Fingertips: SII = fitted life expectancy at the least deprived
  end − at the most deprived end (years; positive = shorter lives at the deprived end), RII = their ratio.
  Computed when the five quintiles have a life expectancy and each counts the threshold's deaths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.methods import rates
from diagnostics.methods.inequality import slope_index_of_inequality
from diagnostics.methods.life_table import band_start_ages

from ..config import PREMATURE_BANDS
from .common import ENSEMBLE, rows, to_areas
from .life_expectancy import life_expectancy_indicators, life_table_inputs
from .mortality import mortality_period, period_label

GRADIENT_BASES = {"mortality_icm": None, "premature_mortality_icm": PREMATURE_BANDS}  # indicator → age bands
QUINTILE_CATEGORIES = [f"q{k}" for k in range(1, 6)]
NO_FDEP_CATEGORY = "sans_fdep"
ICM_UNIT = "indice (France = 100)"
SII_SEED = 1
SII_REPETITIONS = 100_000
REASON_QUINTILES = "ses communes ne couvrent pas les cinq quintiles de défavorisation"
REASON_DEATHS = "moins de {threshold} décès dans au moins un quintile"
REASON_LIFE_EXPECTANCY = "espérance de vie non calculable dans au moins un quintile (trop peu de personnes-années)"
LIFE_EXPECTANCY_BASE = "life_expectancy_0"


def commune_observed_expected(
    deaths: pd.DataFrame, population: pd.DataFrame, france: pd.DataFrame, years: list[int], bands: list[str] | None
) -> pd.DataFrame:
    """``commune, deaths, expected, population`` over ``years`` (ages in ``bands``, or all): expected at
    France's rates by sex and age of the same years, population in person-years."""
    keep = {"year": years} | ({"age_band": bands} if bands else {})

    def part(df):
        return df[np.logical_and.reduce([df[c].isin(v) for c, v in keep.items()])]

    fr = part(france).groupby(["sex", "age_band"])[["deaths", "population"]].sum()
    fr_rate = (fr["deaths"] / fr["population"]).rename("rate")
    pop = part(population).groupby(["commune", "sex", "age_band"], as_index=False)["population"].sum()
    pop = pop.merge(fr_rate.reset_index(), on=["sex", "age_band"], how="left")
    pop["expected"] = pop["population"] * pop["rate"].fillna(0.0)
    observed = part(deaths).groupby("commune")["deaths"].sum()
    out = pop.groupby("commune", as_index=False)[["expected", "population"]].sum()
    out["deaths"] = out["commune"].map(observed).fillna(0.0)
    return out


def gradient_indicators(
    deaths: pd.DataFrame,
    population: pd.DataFrame,
    france: pd.DataFrame,
    deprivation: pd.DataFrame,
    territories: pd.DataFrame,
    period_years: int,
    threshold: int,
) -> pd.DataFrame:
    """The ICM by quintile rows and the SII / RII rows of every area (none without FDep)."""
    if deprivation["quintile"].isna().all():
        return rows(pd.DataFrame(columns=["territory_code", "value"]), "mortality_icm_sii", "points d'ICM")
    years = mortality_period(deaths, population, period_years)
    period = period_label(years)
    quintile = deprivation.set_index("commune")["quintile"]
    frames = []
    for base, bands in GRADIENT_BASES.items():
        com = commune_observed_expected(deaths, population, france, years, bands)
        com["category"] = _category(com["commune"], quintile)
        areas = to_areas(com, territories, ["category"], ["deaths", "expected", "population"])
        areas = areas[areas["expected"] > 0].reset_index(drop=True)
        icm = rates.indirectly_standardised_ratio(areas["deaths"], areas["expected"], refvalue=100)
        by_quintile = pd.concat([areas, icm], axis=1).rename(columns={"deaths": "numerator"})
        by_quintile["denominator"] = by_quintile["expected"]
        shown = by_quintile[~by_quintile["territory_code"].isin(with_small_part(by_quintile, threshold))]
        frames.append(rows(shown, f"{base}_by_deprivation", ICM_UNIT, period=period))
        frames += inequality_rows(by_quintile, base, period, threshold)
    frames += life_expectancy_gradient(deaths, population, quintile, territories, years, threshold)
    return pd.concat(frames, ignore_index=True)


def _category(communes: pd.Series, quintile: pd.Series) -> np.ndarray:
    q = pd.to_numeric(communes.map(quintile), errors="coerce")
    return np.where(q.isna(), NO_FDEP_CATEGORY, "q" + q.fillna(0).astype(int).astype(str))


def life_expectancy_gradient(
    deaths: pd.DataFrame,
    population: pd.DataFrame,
    quintile: pd.Series,
    territories: pd.DataFrame,
    years: list[int],
    threshold: int,
) -> list[pd.DataFrame]:
    """Life expectancy at birth of every area's communes of each quintile, and its SII / RII rows."""
    if band_start_ages(population["age_band"].drop_duplicates()).min() != 0:
        return []  # no life table without the youngest ages (a population given for some ages only)
    keys = ["commune", "sex", "age_band"]
    pop = population[population["year"].isin(years)].groupby(keys, as_index=False)["population"].sum()
    dead = deaths[deaths["year"].isin(years)].groupby(keys, as_index=False)["deaths"].sum()
    com = pop.merge(dead, on=keys, how="outer").fillna({"population": 0.0, "deaths": 0.0})
    com["category"] = _category(com["commune"], quintile)
    areas = to_areas(com, territories, ["category", "sex", "age_band"], ["population", "deaths"])
    # one life table per area × quintile: the pair travels as one code through the life-table functions
    areas["territory_code"] = areas["territory_code"] + "\t" + areas["category"]
    inputs = life_table_inputs(
        areas[["territory_code", "sex", "age_band", "population", "deaths"]], period_label(years)
    )
    le = life_expectancy_indicators(inputs[inputs["sex"] == ENSEMBLE])
    le = le[le["indicator"] == LIFE_EXPECTANCY_BASE].reset_index(drop=True)
    le[["territory_code", "category"]] = le["territory_code"].str.split("\t", expand=True).to_numpy()
    shown = le[~le["territory_code"].isin(with_small_part(le, threshold))]
    frames = [shown.assign(indicator=f"{LIFE_EXPECTANCY_BASE}_by_deprivation")]
    reason = large_enough(le, threshold)
    q = le[le["category"].isin(QUINTILE_CATEGORIES)]
    missing = q.groupby("territory_code")["value"].apply(lambda v: v.isna().any()).reindex(reason.index)
    reason[(reason == "") & missing.fillna(True).to_numpy()] = REASON_LIFE_EXPECTANCY
    ok = q[q["territory_code"].isin(reason.index[reason == ""])]
    if ok.empty:
        return frames
    sii = slope_index_of_inequality(
        ok.assign(quintile=ok["category"].str[1].astype(int)),
        ["territory_code"],
        "quintile",
        "denominator",
        "value",
        ci_low_col="ci_low",
        ci_high_col="ci_high",
        value_type="normal",
        most_deprived_first=False,
        repetitions=SII_REPETITIONS,
        seed=SII_SEED,
    )
    sii = sii[sii["reason"] == ""]
    method = "Indice de pente (SII) de PHEindicatormethods sur l'espérance de vie, intervalle par simulation"
    for name, unit in (("sii", "années"), ("rii", "rapport")):
        part = sii.rename(columns={name: "value", f"{name}_ci_low": "ci_low", f"{name}_ci_high": "ci_high"})
        frames.append(
            rows(
                part[["territory_code", "value", "ci_low", "ci_high"]],
                f"{LIFE_EXPECTANCY_BASE}_{name}",
                unit,
                period=period_label(years),
                method=method if name == "sii" else method.replace("Indice de pente (SII)", "Indice relatif (RII)"),
            )
        )
    return frames


def with_small_part(by_quintile: pd.DataFrame, threshold: int) -> set[str]:
    """The areas one of whose parts (a quintile, the communes without FDep) counts 1 to ``threshold`` − 1
    deaths: the secret statistique would mask every part (the area's total minus the others would give it
    back), so that none is produced — not even parts of thousands of deaths, which a comparator nearly equal
    (a département and its largest territory share their most deprived communes) would show anyway."""
    small = (by_quintile["numerator"] > 0) & (by_quintile["numerator"] < threshold)
    return set(by_quintile.loc[small, "territory_code"])


def large_enough(by_quintile: pd.DataFrame, threshold: int) -> pd.Series:
    """territory_code → the reason its SII is not computed ("" when it is): the five quintiles present,
    each with at least ``threshold`` deaths."""
    q = by_quintile[by_quintile["category"].isin(QUINTILE_CATEGORIES)]
    present = q.groupby("territory_code")["category"].nunique()
    fewest = q.groupby("territory_code")["numerator"].min()
    codes = by_quintile["territory_code"].unique()
    present, fewest = present.reindex(codes, fill_value=0), fewest.reindex(codes, fill_value=0)
    reason = np.where(
        present < 5, REASON_QUINTILES, np.where(fewest < threshold, REASON_DEATHS.format(threshold=threshold), "")
    )
    return pd.Series(reason, index=codes)


def inequality_rows(by_quintile: pd.DataFrame, base: str, period: str, threshold: int) -> list[pd.DataFrame]:
    """SII and RII rows of the areas large enough (see :func:`large_enough`)."""
    reason = large_enough(by_quintile, threshold)
    ok = by_quintile[
        by_quintile["territory_code"].isin(reason.index[reason == ""])
        & by_quintile["category"].isin(QUINTILE_CATEGORIES)
    ]
    if ok.empty:
        return []
    ok = ok.assign(quintile=ok["category"].str[1].astype(int))
    sii = slope_index_of_inequality(
        ok,
        ["territory_code"],
        "quintile",
        "population",
        "value",
        ci_low_col="ci_low",
        ci_high_col="ci_high",
        value_type="rate",
        multiplier=-1,
        most_deprived_first=False,
        repetitions=SII_REPETITIONS,
        seed=SII_SEED,
    )
    sii = sii[sii["reason"] == ""]
    method = "Indice de pente (SII) de PHEindicatormethods, intervalle par simulation"
    return [
        rows(
            sii.rename(columns={f"{name}": "value", f"{name}_ci_low": "ci_low", f"{name}_ci_high": "ci_high"})[
                ["territory_code", "value", "ci_low", "ci_high"]
            ],
            f"{base}_{name}",
            unit,
            period=period,
            method=method if name == "sii" else method.replace("Indice de pente (SII)", "Indice relatif (RII)"),
        )
        for name, unit in (("sii", "points d'ICM"), ("rii", "rapport"))
    ]
