"""Commune population by year from the census structure and the départements' yearly estimates.

INSEE publishes yearly population estimates by sex and five-year age band for départements only;
the census (POP1B) gives communes by sex and age for one millésime. The commune's population of a
year is its share of its département (by sex and age band) in the nearest census, applied to the
département's estimate of that year (« répartition de l'estimation départementale selon la
structure communale du recensement »). Sums over a département equal INSEE's estimate exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY = ["sex", "age_band"]


def nearest_census_year(years, census_years) -> dict[int, int]:
    census_years = sorted(census_years)
    return {y: min(census_years, key=lambda c: (abs(c - y), -c)) for y in years}


def commune_population_by_year(census: pd.DataFrame, estimates: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """commune, year, sex, age_band, population.

    ``census``: commune, census_year, sex, age_band, population (current commune codes);
    ``estimates``: level, code, year, sex, age_band, population (``DEP`` rows used);
    ``communes``: commune, departement_code.
    """
    dep_of = communes.set_index("commune")["departement_code"]
    c = census.assign(departement_code=census["commune"].map(dep_of)).dropna(subset=["departement_code"])
    dep_total = c.groupby(["census_year", "departement_code"] + KEY)["population"].transform("sum")
    c = c.assign(share=np.where(dep_total > 0, c["population"] / dep_total, 0.0))
    est = estimates[(estimates["level"] == "DEP") & estimates["code"].isin(c["departement_code"].unique())]
    est = est.rename(columns={"code": "departement_code", "population": "estimate"})
    nearest = nearest_census_year(est["year"].unique(), c["census_year"].unique())
    est = est.assign(census_year=est["year"].map(nearest))
    out = c.merge(
        est[["departement_code", "census_year", "year"] + KEY + ["estimate"]],
        on=["departement_code", "census_year"] + KEY,
        how="inner",
    )
    out["population"] = out["share"] * out["estimate"]
    return out[["commune", "year", "sex", "age_band", "population"]].sort_values(
        ["commune", "year", "sex", "age_band"], ignore_index=True
    )
