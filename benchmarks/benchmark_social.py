"""Throughput and memory of the social context at the scale of France; prints the figures.

    python benchmarks/benchmark_social.py [--communes 34900] [--keep DIR]

Writes deterministic fictional national files in INSEE's layouts — the three census « bases communales »
(one line per commune, the variables the readers need among filler columns up to the width of the real bases:
≈ 150 columns for the activity base, 100 for the diplomas and families ones) and Filosofi's cc_filosofi_COM
file (28 columns, « s » for the smallest communes) — then, in a fresh process (its peak resident memory is the
step's own): reads them (:func:`read_census_bases`, :func:`read_filosofi`), computes the FDep of every commune
of France (:func:`deprivation_tables`) and the context indicators of every département, région and EPCI.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTHS = {"emploi": 150, "diplomes": 100, "familles": 100}


def communes_table(n: int) -> pd.DataFrame:
    """n fictional communes in 96 départements, 13 régions, EPCI of 25 communes."""
    deps = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]
    dep = np.repeat(deps, int(np.ceil(n / len(deps))))[:n]
    number = pd.Series(dep).groupby(dep).cumcount().to_numpy() + 1
    codes = [f"{d}{k:03d}" for d, k in zip(dep, number)]
    region = pd.Series(dep).map({d: f"{11 + i % 13:02d}" for i, d in enumerate(deps)}).to_numpy()
    return pd.DataFrame(
        {
            "commune": codes,
            "commune_name": codes,
            "departement_code": dep,
            "departement_name": dep,
            "region_code": region,
            "region_name": region,
            "epci_code": [f"2{i // 25:08d}" for i in range(n)],
            "epci_name": "",
        }
    )


def write_files(folder: Path, communes: pd.DataFrame, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    n = len(communes)
    pop = np.round(rng.lognormal(6.3, 1.3, n)) + 20
    d = rng.normal(0, 0.4, n)
    act = pop * 0.46
    columns = {
        "emploi": {
            "P21_POP1564": pop * 0.62,
            "P21_ACT1564": act,
            "P21_CHOM1564": act * np.clip(0.12 * np.exp(d), 0, 0.6),
            "C21_ACT1564": act,
            "C21_ACT1564_CS6": act * np.clip(0.19 * np.exp(0.8 * d), 0, 0.9),
        },
        "diplomes": {
            "P21_NSCOL15P": pop * 0.7,
            **{f"P21_NSCOL15P_{s}": pop * 0.7 * f for s, f in (("DIPLMIN", 0.2), ("BEPC", 0.05), ("CAPBEP", 0.27))},
            **{
                f"P21_NSCOL15P_{s}": pop * 0.7 * np.minimum(0.12 * np.exp(-0.5 * d), 0.18)
                for s in ("BAC", "SUP2", "SUP34", "SUP5")
            },
        },
        "familles": {
            "C21_FAM": pop * 0.27,
            "C21_FAMMONO": pop * 0.27 * 0.16,
            "P21_POP80P": pop * 0.06,
            "P21_POP80P_PSEUL": pop * 0.06 * 0.43,
        },
    }
    names = {
        "emploi": "base-cc-emploi-pop-active-2021.CSV",
        "diplomes": "base-cc-diplomes-formation-2021.CSV",
        "familles": "base-cc-coupl-fam-men-2021.CSV",
    }
    for key, values in columns.items():
        fillers = {f"P21_FILLER{k}": pop * 0.01 * (k % 7) for k in range(WIDTHS[key] - 1 - len(values))}
        table = pd.DataFrame({"CODGEO": communes["commune"], **values, **fillers})
        table.to_csv(folder / names[key], sep=";", index=False, float_format="%.8g")
    households = np.round(pop / 2.2)
    secret = households < 50
    median = np.round(22000 * np.exp(-0.25 * d), -1)
    filo = pd.DataFrame(
        {
            "CODGEO": communes["commune"],
            "NBMENFISC21": np.where(secret, "s", households.astype(int).astype(str)),
            "NBPERSMENFISC21": np.where(secret, "s", np.round(pop * 0.97).astype(int).astype(str)),
            "MED21": np.where(secret, "s", median.astype(int).astype(str)),
            "PIMP21": "s",
            "TP6021": np.where(
                households < 1000, "s", np.char.replace(np.round(14 * np.exp(d), 1).astype(str), ".", ",")
            ),
        }
    )
    rest = ["TP60AGE1", "TP60AGE2", "TP60AGE3", "TP60AGE4", "TP60AGE5", "TP60AGE6", "TP60TOL1", "TP60TOL2",
            "PACT", "PTSA", "PCHO", "PBEN", "PPEN", "PPAT", "PPSOC", "PPFAM", "PPMINI", "PPLOGT", "PIMPOT", "D1",
            "D9", "RD"]  # fmt: skip
    for name in rest:
        filo[f"{name}21"] = "s"
    filo.to_csv(folder / "cc_filosofi_2021_COM.csv", sep=";", index=False)


def step(folder: Path, communes_path: Path) -> dict:
    """Run in a fresh process: read, FDep, indicators; durations and peak memory."""
    from diagnostics.indicators.social import census_indicators, filosofi_indicators
    from diagnostics.sources.census_bases import read_census_bases
    from diagnostics.sources.filosofi import read_filosofi
    from diagnostics.sources.social_context import current_filosofi, deprivation_tables

    communes = pd.read_parquet(communes_path)
    out = {}
    t0 = time.perf_counter()
    census = read_census_bases(sorted(folder.glob("base-cc-*.CSV")))
    out["census_read_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    income = current_filosofi(read_filosofi([folder / "cc_filosofi_2021_COM.csv"]), {})
    out["filosofi_read_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    deprivation, model = deprivation_tables(census, income, communes, communes[communes["region_code"] == "11"])
    out["fdep_s"] = time.perf_counter() - t0
    out["fdep_scope"], out["fdep_communes"] = model["scope"].iloc[0], int(model["communes_used"].iloc[0])
    areas = pd.concat(
        [
            communes.assign(territory_code="DEP-" + communes["departement_code"]),
            communes.assign(territory_code="REG-" + communes["region_code"]),
            communes.assign(territory_code=communes["epci_code"]),
        ]
    )[["territory_code", "commune"]]
    population = pd.DataFrame({"commune": communes["commune"], "year": 2021, "population": 1000.0})
    t0 = time.perf_counter()
    ind = pd.concat(
        [census_indicators(census, areas), filosofi_indicators(income, areas, communes, population)], ignore_index=True
    )
    out["indicators_s"] = time.perf_counter() - t0
    out["areas"], out["rows"] = int(areas["territory_code"].nunique()), len(ind)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    from diagnostics.formatting import fr_number

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communes", type=int, default=34_900)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--step", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(*args.step)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        communes = communes_table(args.communes)
        communes.to_parquet(folder / "communes.parquet")
        write_files(folder, communes)
        sizes = {p.name: p.stat().st_size / 1e6 for p in sorted(folder.glob("*.[cC][sS][vV]"))}
        done = subprocess.run(
            [sys.executable, __file__, "--step", str(folder), str(folder / "communes.parquet")],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            sys.exit(done.stderr)
        r = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{args.communes} communes ; fichiers : " + ", ".join(f"{k} {v:.1f} Mo" for k, v in sizes.items()))
    rate = args.communes / r["census_read_s"]
    print(f"lecture des 3 bases du recensement : {r['census_read_s']:.2f} s ({fr_number(rate)} communes/s)")
    print(f"lecture de Filosofi (COM) : {r['filosofi_read_s']:.2f} s")
    print(f"FDep ({r['fdep_scope']}, {r['fdep_communes']} communes) : {r['fdep_s']:.2f} s")
    what = f"indicateurs du recensement et de Filosofi, {r['areas']} territoires, {r['rows']} lignes"
    print(f"{what} : {r['indicators_s']:.2f} s")
    print(f"pic mémoire (RSS) : {r['peak_rss_mb']:.0f} Mo")


if __name__ == "__main__":
    main()
