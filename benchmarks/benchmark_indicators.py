"""Indicator computation for all of France at commune level; prints time and peak memory.

    python benchmarks/benchmark_indicators.py [--communes 35000] [--years 10]

Generates deterministic synthetic tables the size of France (≈ 35 000 communes in 101 départements,
13 régions and ≈ 1 250 EPCI; population and deaths by commune × sex × 20 age bands × 10 years; CSS,
spending and FINESS places), then runs the same :func:`compute_indicators` as the batch for every
département and EPCI and their comparators. Peak memory is the process's maximum resident size.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnostics.config import AGE_BANDS  # noqa: E402
from diagnostics.formatting import fr_number  # noqa: E402
from diagnostics.indicators.compute import compute_indicators  # noqa: E402
from diagnostics.indicators.medico_social import CATEGORY_FAMILY  # noqa: E402
from diagnostics.sources.assemble import default_territories  # noqa: E402
from diagnostics.sources.care_spending import SPENDING_BANDS  # noqa: E402
from diagnostics.territories.areas import build_territories  # noqa: E402

# France's age structure and mortality by five-year band (rounded orders of magnitude)
SHARE = np.array([5.5, 6, 6.2, 6.2, 5.6, 5.6, 6, 6.3, 6.2, 6.7, 6.6, 6.6, 6.1, 5.9, 5.2, 3.6, 2.9, 2.1, 1.0, 0.3]) / 100
MORTALITY = (
    np.array([80, 8, 9, 25, 40, 48, 60, 88, 135, 220, 355, 540, 810, 1150, 1650, 2700, 4800, 9100, 17000, 32000]) / 1e5
)


def synthetic_france(n_communes: int, years: list[int], rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    deps = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B", "971", "972", "973", "974"]
    dep_of = np.sort(rng.integers(0, len(deps), n_communes))
    codes = np.array(
        [
            f"{deps[d]}{i:03d}" if len(deps[d]) == 2 else f"{deps[d]}{i % 100:02d}"
            for i, d in zip(np.arange(n_communes) % 1000, dep_of)
        ]
    )
    codes = pd.Series(codes).where(~pd.Series(codes).duplicated(), None)
    keep = codes.notna().to_numpy()
    codes, dep_of = codes[keep].to_numpy(), dep_of[keep]
    n = len(codes)
    region_of_dep = {d: f"{11 + i % 13}" for i, d in enumerate(deps)}
    epci = np.array([f"2{int(dep_of[i]):03d}{i // 28:05d}" for i in range(n)])  # ≈ 28 communes per EPCI
    communes = pd.DataFrame(
        {
            "commune": codes,
            "commune_name": codes,
            "departement_code": [deps[d] for d in dep_of],
            "departement_name": [f"Département {deps[d]}" for d in dep_of],
            "region_code": [region_of_dep[deps[d]] for d in dep_of],
            "region_name": [f"Région {region_of_dep[deps[d]]}" for d in dep_of],
            "epci_code": epci,
            "epci_name": [f"EPCI {e}" for e in epci],
        }
    )
    size = np.maximum(rng.lognormal(6.2, 1.3, n), 20)  # a few hundred inhabitants, some cities
    sexes, bands = np.array(["M", "F"]), np.array(AGE_BANDS)
    grid = pd.MultiIndex.from_product(
        [np.arange(n), years, [0, 1], np.arange(len(AGE_BANDS))], names=["c", "year", "s", "b"]
    ).to_frame(index=False)
    pop = size[grid["c"]] * SHARE[grid["b"]] / 2
    deaths = rng.poisson(pop * MORTALITY[grid["b"]])
    key = {
        "commune": pd.Categorical(codes[grid["c"]]),
        "year": grid["year"].astype("int16"),
        "sex": pd.Categorical(sexes[grid["s"]]),
        "age_band": pd.Categorical(bands[grid["b"]]),
    }
    population = pd.DataFrame({**key, "population": pop})
    death_rows = deaths > 0
    deaths_table = pd.DataFrame({k: v[death_rows] for k, v in key.items()} | {"deaths": deaths[death_rows]})
    fr = (
        population.assign(deaths=deaths)
        .groupby(["year", "sex", "age_band"], as_index=False, observed=True)[["population", "deaths"]]
        .sum()
    )
    fr["year"] = fr["year"].astype("int64")
    last = years[-1]
    total = population.groupby(["commune", "year"], as_index=False, observed=True)["population"].sum()
    css = pd.DataFrame(
        {
            "level": "COM",
            "code": total["commune"].astype(str),
            "year": total["year"].astype("int64"),
            "beneficiaries": rng.binomial(total["population"].round().astype(int), 0.09),
        }
    )
    css = pd.concat(
        [
            css,
            pd.DataFrame(
                {
                    "level": ["FRANCE"] * len(years),
                    "code": "FRANCE",
                    "year": years,
                    "beneficiaries": [int(fr[fr.year == y]["population"].sum() * 0.09) for y in years],
                }
            ),
        ]
    )
    items = ["soins_de_ville", "medicaments", "hopital", "autres"]
    spend_grid = pd.MultiIndex.from_product(
        [np.arange(n), SPENDING_BANDS, items], names=["c", "spending_band", "item"]
    ).to_frame(index=False)
    care = pd.DataFrame(
        {
            "year": last,
            "commune": codes[spend_grid["c"]],
            "spending_band": spend_grid["spending_band"],
            "item": spend_grid["item"],
            "amount": size[spend_grid["c"]] * rng.uniform(40, 200, len(spend_grid)),
        }
    )
    fr_spend = care.groupby(["year", "spending_band", "item"], as_index=False)["amount"].sum()
    fr_spend["population"] = fr_spend["spending_band"].map(lambda b: 1e6)
    cats = list(CATEGORY_FAMILY)
    n_et = n // 2
    places = pd.DataFrame(
        {
            "finess_et": [f"{i:09d}" for i in range(n_et)],
            "name": "Établissement",
            "commune": codes[rng.integers(0, n, n_et)],
            "category": rng.choice(cats, n_et),
            "category_label": "",
            "places": rng.integers(10, 120, n_et),
        }
    )
    fr_places = places.groupby("category", as_index=False)["places"].sum().assign(year=last)
    return {
        "communes": communes,
        "population": population,
        "deaths": deaths_table,
        "france_reference": fr,
        "css": css,
        "care_spending": care,
        "france_spending": fr_spend,
        "finess_places": places,
        "france_places": fr_places,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args()
    years = list(range(2023 - args.years + 1, 2024))
    t0 = time.perf_counter()
    tables = synthetic_france(args.communes, years, np.random.default_rng(35))
    generated = time.perf_counter() - t0
    t0 = time.perf_counter()
    definitions = default_territories(tables["communes"])
    tables["territories"] = build_territories(definitions, tables["communes"], tables["population"])
    indicators, _ = compute_indicators(tables)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB → GB
    areas = tables["territories"]["territory_code"].nunique()
    print(f"machine : {platform.machine()}, Python {platform.python_version()}")
    n = fr_number
    print(
        f"données synthétiques : {n(tables['communes'].shape[0])} communes, {n(len(tables['population']))} lignes de "
        f"population, {n(len(tables['deaths']))} lignes de décès, générées en {generated:.1f} s"
    )
    print(
        f"indicateurs de {n(areas)} territoires et comparateurs : {seconds:.1f} s, {n(len(indicators))} lignes ; "
        f"pic mémoire du processus {peak:.2f} Go"
    )


if __name__ == "__main__":
    main()
