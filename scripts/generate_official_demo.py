"""Write the demo région in the official layouts, as an ARS epidemiologist downloads them.

    python scripts/generate_official_demo.py OUTPUT_DIR

From the embedded demo (``data/raw/demo``): INSEE's table d'appartenance (xlsx, sheet COM with
header on row 6), INSEE's population estimates workbook (one sheet per year), the census POP1B
long file (single years of age), INSEE's fichiers des personnes décédées (``deces-AAAA.txt``, one
fictional record per death, fixed width, place of death = commune of residence), the FINESS
extractions as they are, the Cnam monthly R files (``RAAAAMM.csv``, for the 96 départements of a
fictional France whose other 93 départements share the rest of the national figures) with the RNIAM
protected population, the communes' outlines as an IGN ADMIN EXPRESS shapefile (Lambert-93), and the tidy
files for which no official open file exists (CSS, national references, France's spending profile by age).
Deterministic (seeded).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnostics.config import AGE_BANDS, DEMO_RAW_DIR  # noqa: E402
from diagnostics.demo.official_writers import (  # noqa: E402
    admin_express_shapefile,
    appartenance_workbook,
    census_long_csv,
    death_records,
    estimated_population_workbook,
    r_file_csv,
    rniam_csv,
)
from diagnostics.demo.primary_care import write_official_primary_care  # noqa: E402
from diagnostics.demo.social import write_social_files  # noqa: E402 - issue 19
from diagnostics.sources import read_raw_tables  # noqa: E402
from diagnostics.sources.geometry import read_geometry  # noqa: E402

SEED = 961


def official_health_files(out: Path, communes: pd.DataFrame, deaths_year: int) -> None:  # issue 17
    """The CépiDc export by département (from the demo's deaths by cause) and the CSV edition of the deaths file."""
    from diagnostics.demo.health import write_official_health_files
    from diagnostics.sources.causes_of_death import read_cause_deaths

    causes = read_cause_deaths(next((DEMO_RAW_DIR / "causes").glob("deces_causes_*.csv")))
    names = dict(zip(communes["departement_code"], communes["departement_name"]))
    write_official_health_files(out, causes, names, deaths_year)


CENSUS_YEAR = 2021
COPIED = [
    "finess",
    "france/france_population_deces.csv",
    "france/depenses_remboursees_france_2023.csv",
    "france/places_medico_sociales_france_2023.csv",
    "territoires.csv",
]


def single_ages(population: pd.DataFrame) -> pd.DataFrame:
    """Five-year bands spread evenly over single years (95+ over 95…100)."""
    rows = []
    for band in AGE_BANDS:
        first = int(band[:2])
        ages = range(first, 101) if band == "95+" else range(first, first + 5)
        part = population[population["age_band"] == band]
        for age in ages:
            rows.append(part.assign(age=age, population=part["population"] / len(ages)))
    return pd.concat(rows, ignore_index=True)


# Statistique mensuelle series standing for each spending item, and a cash benefit (not care: left out)
R_SERIES = {"soins_de_ville": ["111111", "1141121"], "medicaments": ["114312"], "autres": ["11452"], "": ["11611"]}
INSURED_SHARE = 0.85  # régime général's share of the population
OTHER_DEPARTEMENTS = ([f"{d:02d}" for d in range(1, 20)] + ["2A", "2B"] + [f"{d:02d}" for d in range(21, 96)])[:93]


def rest_of_france(france: pd.Series, region: pd.Series) -> pd.Series:
    return (france - region.reindex(france.index, fill_value=0)).clip(lower=0) / len(OTHER_DEPARTEMENTS)


def cnam_files(out: Path, t: dict, rng: np.random.Generator) -> None:
    """Twelve monthly R files of care year 2023 and the RNIAM extract (fictional, consistent with the demo)."""
    year = int(t["care_spending"]["year"].max())
    dep_of = t["communes"].set_index("commune")["departement_code"]
    care = t["care_spending"][t["care_spending"]["item"] != "hopital"]  # R files leave hospitals out
    region = care.assign(dep=care["commune"].map(dep_of)).groupby(["dep", "item"])["amount"].sum()
    fr = t["france_spending"][(t["france_spending"]["year"] == year) & (t["france_spending"]["item"] != "hopital")]
    other = rest_of_france(fr.groupby("item")["amount"].sum(), region.groupby("item").sum())
    amounts = pd.concat([region, pd.concat({d: other for d in OTHER_DEPARTEMENTS})])
    deps = amounts.index.get_level_values(0).unique()
    amounts = pd.concat([amounts, pd.Series(0.0, index=pd.MultiIndex.from_product([deps, [""]]))]).sort_index()
    for month in range(1, 13):
        rows = []
        for (dep, item), total in amounts.items():
            series = R_SERIES[item]
            cash = rng.uniform(1e5, 1e6) if item == "" else 0
            for serie in series:
                share = total / 12 / len(series) + cash
                rows.append(
                    {
                        "sns_date": f"{year}{month:02d}",
                        "serie": serie,
                        "dpt": dep.lstrip("0") or dep,
                        "rem_mon": share * 1.02,
                    }
                )
                rows.append({"sns_date": f"{year}{month:02d}", "serie": serie, "dpt": dep, "rem_mon": -share * 0.02})
        name = f"R{year}{month:02d}.csv" + (".gz" if month % 2 else "")
        r_file_csv(out / name, pd.DataFrame(rows))

    pop = t["population"][t["population"]["year"] == t["population"]["year"].max()]
    pop = pop.assign(age_band=pop["age_band"].where(pop["age_band"].str[:2].astype(int) < 90, "90+"))
    region_pop = pop.assign(dep=pop["commune"].map(dep_of)).groupby(["dep", "sex", "age_band"])["population"].sum()
    fr_pop = t["france_reference"][t["france_reference"]["year"] == t["france_reference"]["year"].max()]
    fr_pop = fr_pop.assign(age_band=fr_pop["age_band"].where(fr_pop["age_band"].str[:2].astype(int) < 90, "90+"))
    fr_pop = fr_pop.groupby(["sex", "age_band"])["population"].sum()
    other_pop = rest_of_france(fr_pop, region_pop.groupby(["sex", "age_band"]).sum())
    insured = pd.concat([region_pop, pd.concat({d: other_pop for d in OTHER_DEPARTEMENTS})]) * INSURED_SHARE
    insured = insured.round().rename("insured").rename_axis(["departement_code", "sex", "age_band"]).reset_index()
    rniam_csv(out / f"RNIAM_population_protegee_RG_dep_age_sexe_{year}_nb_{year}.csv", insured)


def css_file(out: Path, t: dict) -> None:
    """CSS beneficiaries as a CPAM may send them: by commune for two départements, by département for
    all three (the third has no commune figures), split free / with a financial contribution."""
    css = t["css"]
    dep_of = t["communes"].set_index("commune")["departement_code"]
    com = css[css["level"] == "COM"].assign(dep=lambda d: d["code"].map(dep_of))
    deps = (
        com.groupby(["dep", "year"], as_index=False)["beneficiaries"]
        .sum()
        .rename(columns={"dep": "code"})
        .assign(level="DEP")
    )
    com = com[com["dep"] != sorted(dep_of.unique())[1]].drop(columns="dep")
    rows = pd.concat([com, deps, css[css["level"] == "FRANCE"]], ignore_index=True)
    free = (rows["beneficiaries"] * 0.82).round().astype(int)
    table = pd.DataFrame(
        {
            "territoire_type": rows["level"],
            "territoire_code": rows["code"],
            "annee": rows["year"],
            "nb_beneficiaires_css": rows["beneficiaries"],
            "nb_css_gratuite": free,
            "nb_css_participation": rows["beneficiaries"] - free,
        }
    )
    table.to_csv(out / "beneficiaires_css_cpam_2018-2023.csv", sep=";", index=False)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    t = read_raw_tables(DEMO_RAW_DIR)
    rng = np.random.default_rng(SEED)
    communes = t["communes"]
    arm = pd.DataFrame(columns=["alias", "name", "commune"])
    appartenance_workbook(out / "table-appartenance-geo-communes-2024.xlsx", communes, arm, with_labels=True)

    pop = t["population"].merge(communes[["commune", "departement_code"]], on="commune")
    deps = pop.groupby(["departement_code", "year", "sex", "age_band"], as_index=False)["population"].sum()
    deps = deps.rename(columns={"departement_code": "code"}).assign(level="DEP")
    france = t["france_reference"].assign(level="FRANCE", code="FRANCE")[
        ["level", "code", "year", "sex", "age_band", "population"]
    ]
    estimates = pd.concat([deps, france], ignore_index=True)
    names = dict(zip(communes["departement_code"], communes["departement_name"]))
    estimated_population_workbook(out / "estim-pop-dep-sexe-aq-1975-2024.xlsx", estimates, names)

    census = single_ages(t["population"][t["population"]["year"] == CENSUS_YEAR])
    census_long_csv(out / f"BTT_TD_POP1B_{CENSUS_YEAR}.csv", census)

    deaths = t["deaths"][t["deaths"]["deaths"] > 0]
    records = deaths.loc[deaths.index.repeat(deaths["deaths"])].reset_index(drop=True)
    first = records["age_band"].str[:2].astype(int)
    ages = first + rng.integers(0, 5, len(records))
    for year, idx in records.groupby("year").groups.items():
        part = records.loc[idx]
        lines = death_records(
            rng,
            part["commune"].to_numpy(),
            part["year"].to_numpy(),
            np.where(part["sex"] == "M", 1, 2),
            ages[idx].to_numpy(),
            first_act=int(year % 100) * 10**6,
        )
        (out / f"deces-{year}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # five records whose reuse was opposed (RGPD): INSEE's oppositions file, to be left out
    opposed = (out / f"deces-{year}.txt").read_text(encoding="utf-8").splitlines()[:5]
    (out / "fichier-opposition-deces.csv").write_text(
        "Date de décès;Code du lieu de décès;Numéro d'acte de décès\n"
        + "".join(f"{r[160:162]}/{r[158:160]}/{r[154:158]};{r[162:167]};{r[167:176].strip()}\n" for r in opposed),
        encoding="utf-8",
    )

    cnam_files(out, t, rng)
    (out / "ADMIN-EXPRESS").mkdir(exist_ok=True)
    admin_express_shapefile(
        out / "ADMIN-EXPRESS" / "COMMUNE.shp", read_geometry(DEMO_RAW_DIR / "geo" / "communes-val-brumeux.geojson")
    )
    css_file(out, t)
    for name in COPIED:
        src = DEMO_RAW_DIR / name
        dst = out / Path(name).name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy(src, dst)
    (out / "sources.toml").write_text('[options]\nregion = "96"\n', encoding="utf-8")
    write_official_primary_care(  # offre de soins de premier recours (issue 18)
        out, DEMO_RAW_DIR, communes, read_geometry(DEMO_RAW_DIR / "geo" / "communes-val-brumeux.geojson")
    )
    official_health_files(out, communes, int(t["deaths"]["year"].max()))  # issue 17
    write_social_files(out, t, DEMO_RAW_DIR)  # Filosofi (Melodi) and census bases, one by IRIS (issue 19)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
