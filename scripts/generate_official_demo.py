"""Write the demo région in the official layouts, as an ARS epidemiologist downloads them.

    python scripts/generate_official_demo.py OUTPUT_DIR

From the embedded demo (``data/raw/demo``): INSEE's table d'appartenance (xlsx, sheet COM with
header on row 6), INSEE's population estimates workbook (one sheet per year), the census POP1B
long file (single years of age), INSEE's fichiers des personnes décédées (``deces-AAAA.txt``, one
fictional record per death, fixed width, place of death = commune of residence), the FINESS
extractions as they are, and the tidy files for which no official open file exists (CSS,
spending, national references). Deterministic (seeded).
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
from diagnostics.official_writers import (  # noqa: E402
    appartenance_workbook, census_long_csv, death_records, estimated_population_workbook,
)
from diagnostics.sources import read_raw_tables  # noqa: E402

SEED = 961
CENSUS_YEAR = 2021
COPIED = ["finess", "css", "depenses", "france/france_population_deces.csv", "france/depenses_remboursees_france_2023.csv",
          "france/places_medico_sociales_france_2023.csv", "territoires.csv"]


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
    france = t["france_reference"].assign(level="FRANCE", code="FRANCE")[["level", "code", "year", "sex", "age_band", "population"]]
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
        lines = death_records(rng, part["commune"].to_numpy(), part["year"].to_numpy(),
                              np.where(part["sex"] == "M", 1, 2), ages[idx].to_numpy(), first_act=int(year % 100) * 10**6)
        (out / f"deces-{year}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    for name in COPIED:
        src = DEMO_RAW_DIR / name
        dst = out / Path(name).name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy(src, dst)
    (out / "sources.toml").write_text('[options]\nregion = "96"\n', encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
