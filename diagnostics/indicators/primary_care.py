"""Offre de soins de premier recours: densities of liberal health professionals, the age of general
practitioners, accessibility to them (APL, two-step floating catchment) and the population of the « zones
fragiles ».

- ``density_<profession>``: Σ liberal practitioners of the area's communes (a practitioner with several sites
  counts once, shared between them: :mod:`diagnostics.sources.rpps`) / population × 100 000; midwives per
  100 000 women aged 15–49. Population of the extraction's year, else the nearest earlier year. Exhaustive
  counts of a public register: no interval, « non testé ». The rows carry no numerator (no count of 1 to
  threshold − 1 reaches a CSV: the house rule), the counts stay in ``health_professionals``.
- ``share_gp_60_plus``: liberal GPs aged 60 or more among those of known age (Ameli), by département:
  any area that is not made of whole départements takes its département's value (« valeur départementale »).
- ``gp_accessibility``: the APL of each commune (:func:`commune_gp_accessibility`), averaged over the area's
  communes weighted by their standardised population; France's value is France's liberal GP density, the
  national mean of the APL by construction. ``gp_accessibility_drees`` replaces it when the DREES APL file is
  given (its own unit).
- ``share_population_low_gp_density``: share of the population living in a bassin de vie whose liberal GP
  density is more than 30 % below France's (:data:`LOW_DENSITY_GAP`), the « zones fragiles » indicator of the
  regional health plan; ``share_population_zip``: share living in a ZIP of the ARS zoning, when given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.methods import accessibility

from ..config import AGE_BANDS, FRANCE_CODE
from ..sources.ameli_demography import share_aged_60_plus
from .common import departements_of_areas, rows, to_areas

DENSITIES = {
    "density_general_practitioners": "general_practitioner",
    "density_specialists": "specialist",
    "density_nurses": "nurse",
    "density_physiotherapists": "physiotherapist",
    "density_dentists": "dentist",
    "density_midwives": "midwife",
    "density_pharmacists": "pharmacist",
}
LIBERAL = "liberal"
WOMEN_15_49 = AGE_BANDS[3:10]  # 15-19 … 45-49
LOW_DENSITY_GAP = 0.30  # a bassin de vie more than 30 % below France's GP density is a « zone fragile »
BASSIN_PREFIX = "BV-"
ZIP = "ZIP"
PROJECT_SOURCE = "projet"
DREES_SOURCE = "DREES"
NATIONAL_DEPARTEMENTS = 90
ACCESS_COLUMNS = ["commune", "year", "apl", "weight", "source"]


def nearest_year(available, year: int) -> int:
    """``year`` if available, else the latest earlier one, else the earliest."""
    before = [y for y in available if y <= year]
    return int(max(before) if before else min(available))


def _liberal_gps(professionals: pd.DataFrame, year: int) -> pd.Series:
    gps = professionals[
        (professionals["year"] == year)
        & (professionals["profession"] == "general_practitioner")
        & (professionals["mode"] == LIBERAL)
    ]
    return gps.groupby("commune")["practitioners"].sum()


def _demand(population: pd.DataFrame, france: pd.DataFrame, year: int) -> pd.Series:
    """Standardised population of each commune, on France's scale: a commune with France's age structure
    keeps its population, an older one weighs more (``standardised_population`` rescales to the input's own
    total; the factor brings that scale back to France's, as the DREES standardises on national use)."""
    use = accessibility.gp_use_by_age()
    pop = population[population["year"] == year]
    demand = accessibility.standardised_population(pop[["commune", "age_band", "population"]], use)
    fr = france[france["year"] == nearest_year(sorted(france["year"].unique()), year)]
    by_band = fr.groupby("age_band")["population"].sum()
    france_mean = (by_band * by_band.index.map(use)).sum() / by_band.sum()
    local_band = pop.groupby("age_band")["population"].sum()
    local_mean = (local_band * local_band.index.map(use)).sum() / local_band.sum()
    return demand * local_mean / france_mean


def commune_gp_accessibility(t: dict) -> pd.DataFrame:
    """``gp_accessibility``: commune, year, apl, weight (standardised population), source — the DREES APL
    of the région's communes when the file is given, else the project's 2SFCA on liberal GPs with the travel
    times given or estimated from the communes' coordinates; empty when neither can be had."""
    communes = set(t["communes"]["commune"])
    drees = t.get("apl_drees")
    if drees is not None and len(drees):
        year = int(drees["year"].max())
        d = drees[(drees["year"] == year) & drees["commune"].isin(communes)]
        weight = d["standardised_population"].where(d["standardised_population"].notna(), d["population"])
        if weight.isna().any():
            own = t["population"][
                t["population"]["year"] == nearest_year(sorted(t["population"]["year"].unique()), year)
            ]
            weight = weight.fillna(d["commune"].map(own.groupby("commune")["population"].sum()))
        return pd.DataFrame(
            {
                "commune": d["commune"],
                "year": year,
                "apl": d["apl"],
                "weight": weight.fillna(0.0),
                "source": DREES_SOURCE,
            }
        ).reset_index(drop=True)
    professionals = t.get("health_professionals")
    times, coordinates = t.get("travel_times"), t.get("commune_coordinates")
    if professionals is None or professionals.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("apl", "weight") else object) for c in ACCESS_COLUMNS})
    has_times = times is not None and len(times) > 0
    if not has_times and (coordinates is None or coordinates.empty):
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("apl", "weight") else object) for c in ACCESS_COLUMNS})
    year = int(professionals["year"].max())
    pop_year = nearest_year(sorted(t["population"]["year"].unique()), year)
    demand = _demand(t["population"], t["france_reference"], pop_year)
    supply = _liberal_gps(professionals, year)
    apl = accessibility.potential_accessibility(
        supply, demand, times=times if has_times else None, coordinates=None if has_times else coordinates
    )
    apl = apl[apl.index.isin(communes)]
    return pd.DataFrame(
        {
            "commune": apl.index.to_numpy(),
            "year": year,
            "apl": apl.to_numpy(),
            "weight": demand.reindex(apl.index).fillna(0.0).to_numpy(),
            "source": "distancier" if has_times else "coordonnées",
        }
    )


def _area_totals(df: pd.DataFrame, territories: pd.DataFrame, values: list[str], codes) -> pd.DataFrame:
    """Commune ``values`` summed to every area of ``codes`` (areas with no row: 0)."""
    summed = to_areas(df, territories, [], values).set_index("territory_code")[values]
    return summed.reindex(codes).fillna(0.0)


def density_indicators(professionals, france_professionals, population, france, territories) -> pd.DataFrame:
    """The seven densities of liberal practitioners for every area and France."""
    year = int(professionals["year"].max())
    pop_year = nearest_year(sorted(population["year"].unique()), year)
    pop = population[population["year"] == pop_year]
    women = pop[(pop["sex"] == "F") & pop["age_band"].isin(WOMEN_15_49)]
    codes = list(territories["territory_code"].unique())
    people = _area_totals(pop, territories, ["population"], codes)["population"]
    women_areas = _area_totals(women, territories, ["population"], codes)["population"]
    liberal = professionals[(professionals["year"] == year) & (professionals["mode"] == LIBERAL)]
    counts = to_areas(liberal, territories, ["profession"], ["practitioners"])
    fr = france[france["year"] == nearest_year(sorted(france["year"].unique()), pop_year)]
    fr_people = fr["population"].sum()
    fr_women = fr[(fr["sex"] == "F") & fr["age_band"].isin(WOMEN_15_49)]["population"].sum()
    fr_counts = pd.Series(dtype=float)
    if len(france_professionals):
        ref = france_professionals[france_professionals["mode"] == LIBERAL]
        ref = ref[ref["year"] == nearest_year(sorted(ref["year"].unique()), year)]
        fr_counts = ref.groupby("profession")["practitioners"].sum()
    method = f"Annuaire santé (RPPS) {year}, praticiens libéraux ; population {pop_year}"
    frames = []
    for indicator, profession in DENSITIES.items():
        numerator = counts[counts["profession"] == profession].set_index("territory_code")["practitioners"]
        numerator = numerator.reindex(codes).fillna(0.0)
        denominator = women_areas if profession == "midwife" else people
        fr_denominator = fr_women if profession == "midwife" else fr_people
        d = pd.DataFrame(
            {
                "territory_code": codes + [FRANCE_CODE],
                "numerator": np.r_[numerator.to_numpy(), fr_counts.get(profession, np.nan)],
                "denominator": np.r_[denominator.to_numpy(), fr_denominator],
            }
        )
        d = d[d["denominator"] > 0]
        # the count itself is not kept in the row: a report or CSV shows no count of 1 to threshold - 1, and
        # practitioners are counted in health_professionals.parquet (value × denominator / 100 000 gives it back)
        d = d.assign(value=d["numerator"] / d["denominator"] * 100_000).drop(columns="numerator")
        frames.append(rows(d, indicator, "pour 100 000", period=str(year), method=method))
    return pd.concat(frames, ignore_index=True)


def accessibility_indicators(access: pd.DataFrame, drees: pd.DataFrame | None, france_gp_density: float, territories):
    """``gp_accessibility`` (or ``gp_accessibility_drees``): the communes' APL weighted by standardised population."""
    source = access["source"].iloc[0]
    year = int(access["year"].iloc[0])
    weighted = access.assign(weighted=access["apl"] * access["weight"])
    sums = to_areas(weighted, territories, [], ["weighted", "weight"])
    sums = sums[sums["weight"] > 0]
    out = pd.DataFrame(
        {
            "territory_code": sums["territory_code"],
            "value": sums["weighted"] / sums["weight"],
            "denominator": sums["weight"],
        }
    )
    if source == DREES_SOURCE:
        france = _drees_france(drees, year)
        indicator, unit = "gp_accessibility_drees", access_unit(drees)
        method = f"APL de la DREES {year}, moyenne des communes pondérée par leur population standardisée"
    else:
        france, indicator, unit = france_gp_density, "gp_accessibility", "pour 100 000"
        method = (
            f"APL calculée par le projet ({year}, temps de trajet : "
            + ("distancier fourni" if source == "distancier" else "distance à vol d'oiseau × 1,3 à 60 km/h")
            + ") ; moyenne des communes pondérée par leur population standardisée"
        )
    out = pd.concat([out, pd.DataFrame({"territory_code": [FRANCE_CODE], "value": [france]})], ignore_index=True)
    return rows(out, indicator, unit, period=str(year), method=method)


def access_unit(drees: pd.DataFrame) -> str:
    return str(drees["unit"].iloc[0]) if len(drees) else ""


def _drees_france(drees: pd.DataFrame, year: int) -> float:
    """France's APL from a national DREES file (weighted mean of all its communes), NaN from a partial one."""
    d = drees[drees["year"] == year]
    weight = d["standardised_population"].where(d["standardised_population"].notna(), d["population"])
    code = d["commune"]
    departements = code.str[:2].where(~code.str.startswith("97"), code.str[:3]).nunique()
    if departements < NATIONAL_DEPARTEMENTS or weight.isna().any() or weight.sum() <= 0:
        return float("nan")
    return float((d["apl"] * weight).sum() / weight.sum())


def _share_rows(population: pd.DataFrame, flag: pd.Series, territories, indicator: str, period: str, method: str):
    """Share (%) of each area's population living in the communes where ``flag`` (commune → bool) is true."""
    pop = population.groupby("commune", as_index=False)["population"].sum()
    pop["inside"] = pop["population"] * pop["commune"].map(flag).fillna(False).astype(float)
    sums = to_areas(pop, territories, [], ["inside", "population"])
    sums = sums[sums["population"] > 0]
    out = pd.DataFrame(
        {
            "territory_code": sums["territory_code"],
            "value": sums["inside"] / sums["population"] * 100,
            "numerator": sums["inside"],
            "denominator": sums["population"],
        }
    )
    return rows(out, indicator, "%", period=period, method=method)


def low_density_indicators(densities: pd.DataFrame, population, communes, territories) -> pd.DataFrame:
    """``share_population_low_gp_density`` from the GP density of the bassins de vie."""
    gp = densities[densities["indicator"] == "density_general_practitioners"].set_index("territory_code")["value"]
    if "bassin_de_vie" not in communes or pd.isna(gp.get(FRANCE_CODE)):
        return pd.DataFrame()
    threshold = (1 - LOW_DENSITY_GAP) * gp[FRANCE_CODE]
    bassin = (BASSIN_PREFIX + communes["bassin_de_vie"].dropna()).reindex(communes.index)
    flag = pd.Series((bassin.map(gp) < threshold).to_numpy(), index=communes["commune"].to_numpy())
    period = densities["period"].iloc[0]
    pop_year = nearest_year(sorted(population["year"].unique()), int(period))
    method = (
        f"Bassins de vie 2022 dont la densité de médecins généralistes libéraux ({period}) est inférieure de plus de "
        f"{round(LOW_DENSITY_GAP * 100)} % à celle de la France ; population {pop_year}"
    )
    pop = population[population["year"] == pop_year]
    return _share_rows(pop, flag, territories, "share_population_low_gp_density", period, method)


def zip_indicators(zoning: pd.DataFrame, population, territories, year: int) -> pd.DataFrame:
    """``share_population_zip``: the population of the communes the ARS classes ZIP."""
    pop_year = nearest_year(sorted(population["year"].unique()), year)
    flag = zoning.set_index("commune")["zone"] == ZIP
    method = f"Zonage médecins de l'ARS (zones d'intervention prioritaire) ; population {pop_year}"
    return _share_rows(
        population[population["year"] == pop_year], flag, territories, "share_population_zip", str(year), method
    )


def gp_age_indicators(ages: pd.DataFrame, territories: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """``share_gp_60_plus`` by area and year, from the départements' figures (« valeur départementale »
    for an area that is not made of whole départements)."""
    shares = share_aged_60_plus(ages)
    areas = departements_of_areas(territories, communes)
    areas = pd.concat(
        [areas, pd.DataFrame({"territory_code": [FRANCE_CODE], "departement_code": [FRANCE_CODE], "level": [""]})]
    )
    d = areas.merge(shares, on="departement_code")
    d = d.groupby(["territory_code", "level", "year"], as_index=False)[["practitioners_60_plus", "practitioners"]].sum()
    d = d[d["practitioners"] > 0]
    out = d.assign(
        value=d["practitioners_60_plus"] / d["practitioners"] * 100,
        numerator=d["practitioners_60_plus"],
        denominator=d["practitioners"],
        period=d["year"].astype(str),
    )
    return rows(
        out, "share_gp_60_plus", "%", method="Démographie des professionnels de santé libéraux (Ameli), par département"
    )


def primary_care_indicators(t: dict) -> pd.DataFrame:
    """Every indicator of the family that the processed tables allow (none without an RPPS extraction)."""
    frames = []
    territories, population, communes = t["territories"], t["population"], t["communes"]
    professionals = t.get("health_professionals")
    if professionals is not None and len(professionals):
        densities = density_indicators(
            professionals, t.get("france_professionals", pd.DataFrame()), population, t["france_reference"], territories
        )
        frames += [densities, low_density_indicators(densities, population, communes, territories)]
        access = t["gp_accessibility"] if "gp_accessibility" in t else commune_gp_accessibility(t)
        if len(access):
            fr_gp = densities.set_index(["indicator", "territory_code"])["value"].get(
                ("density_general_practitioners", FRANCE_CODE), np.nan
            )
            frames.append(accessibility_indicators(access, t.get("apl_drees"), fr_gp, territories))
        zoning = t.get("care_zoning")
        if zoning is not None and len(zoning):
            frames.append(zip_indicators(zoning, population, territories, int(professionals["year"].max())))
    ages = t.get("practitioner_ages")
    if ages is not None and len(ages):
        frames.append(gp_age_indicators(ages, territories, communes))
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
