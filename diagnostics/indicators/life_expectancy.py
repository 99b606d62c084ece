"""Espérance de vie à la naissance et à 65 ans, by sex, for every territory and comparator, on the
pooled mortality period: abridged life table (Chiang II, Silcocks variance for the open band 90+,
PHEindicatormethods' rules) of :mod:`diagnostics.methods.life_table`.

Inputs (``life_table_inputs.parquet``): person-years (sum of the populations on 1 January of the
years of the period) and deaths by sex and age band, the 90-94 and 95+ bands pooled into 90+.
The project's deaths and populations come by five-year band, so the first band is 0–4, not 0 and
1–4: with a = 0.1 on a five-year band (PHE's reference population: + 0.026 year on e0, nothing on
e65), the difference is a few hundredths of a year on e0 only (see life_table's docstring). A source
giving the 0 and 1–4 bands (``00-00`` and ``01-04``) is used as is: the bands are those of the input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.methods.life_table import band_start_ages, life_expectancy, pool_open_band

from .common import ENSEMBLE, SEX_LABEL, rows

OPEN_AGE = 90
AGES = {0: "life_expectancy_0", 65: "life_expectancy_65"}
INPUT_COLUMNS = ["territory_code", "sex", "period", "age_band", "population", "deaths"]
METHOD = "Table de mortalité abrégée (Chiang II), variance de Silcocks pour la tranche 90 ans et plus"


def _label(start: int, next_start: int | None) -> str:
    return f"{start}+" if next_start is None else f"{start:02d}-{next_start - 1:02d}"


def life_table_inputs(counts: pd.DataFrame, period: str) -> pd.DataFrame:
    """``life_table_inputs.parquet``: territory_code, sex (hommes, femmes, ensemble), period, age_band
    (``00-04`` … ``85-89``, ``90+``), population (person-years), deaths — every territory × sex with the
    full grid of bands (a band absent from the counts has 0 person-years and 0 deaths).

    ``counts``: territory_code, sex (M/F), age_band, population, deaths pooled over the period."""
    d = counts.assign(age_band_start=band_start_ages(counts["age_band"]))
    d = pool_open_band(d, ["territory_code", "sex"], open_age=OPEN_AGE)
    both = d.groupby(["territory_code", "age_band_start"], as_index=False)[["population", "deaths"]].sum()
    d = pd.concat([d.assign(sex=d["sex"].map(SEX_LABEL)), both.assign(sex=ENSEMBLE)], ignore_index=True)
    starts = np.sort(d["age_band_start"].unique())
    grid = pd.MultiIndex.from_product(
        [sorted(d["territory_code"].unique()), ["hommes", "femmes", ENSEMBLE], starts],
        names=["territory_code", "sex", "age_band_start"],
    )
    d = d.set_index(["territory_code", "sex", "age_band_start"])[["population", "deaths"]].reindex(grid, fill_value=0)
    d = d.reset_index()
    labels = {s: _label(int(s), int(n) if n is not None else None) for s, n in zip(starts, [*starts[1:], None])}
    d["age_band"] = d["age_band_start"].map(labels)
    d["period"] = period
    return d[INPUT_COLUMNS]


def life_expectancy_indicators(inputs: pd.DataFrame) -> pd.DataFrame:
    """``life_expectancy_0`` and ``life_expectancy_65`` rows (years) for every territory × sex of the
    inputs, with 95 % limits; when not computed (PHE's rules) value and limits are NaN and ``reason``
    says why, in French. ``numerator``: deaths, ``denominator``: person-years, all ages."""
    d = inputs.assign(age_band_start=band_start_ages(inputs["age_band"]))
    le = life_expectancy(d, ["territory_code", "sex", "period"], ages=tuple(AGES))
    frames = []
    for age, indicator in AGES.items():
        part = le[le["age"] == age].rename(columns={"deaths": "numerator", "population": "denominator"})
        frames.append(rows(part, indicator, "années", method=METHOD).assign(reason=part["reason"].to_numpy()))
    return pd.concat(frames, ignore_index=True)
