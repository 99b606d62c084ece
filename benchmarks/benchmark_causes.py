"""Throughput of the deaths-by-cause readers (issue 17); prints the figures.

    python benchmarks/benchmark_causes.py [--rows 2000000] [--repeat 3]

Writes one deterministic fictional tidy file ``deces_causes_*.csv`` at commune level (the size of five years of
deaths of France by commune, sex, five-year band and ICD-10 code: ≈ 2 million rows, 400 distinct codes) and a CépiDc
export of the same size order (101 départements × 10 years × 2 sexes × 12 classes × 18 chapters ≈ 436 000 rows),
then times, best of ``--repeat`` runs, each reader, and the mapping of the tidy file's codes to the cause groups and
to the avoidable-mortality fractions.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnostics.config import AGE_BANDS  # noqa: E402
from diagnostics.demo.health import CHAPTERS  # noqa: E402
from diagnostics.formatting import fr_number  # noqa: E402
from diagnostics.sources import causes_of_death as cod  # noqa: E402


def tidy_file(path: Path, rows: int, rng: np.random.Generator) -> None:
    letters = np.array(list("ACEFGIJKNRVWX"))
    codes = np.unique([f"{letters[i % len(letters)]}{n:02d}" for i, n in enumerate(rng.integers(0, 100, 800))])[:400]
    communes = np.array([f"{d:02d}{c:03d}" for d in range(1, 96) if d != 20 for c in range(1, 370)])
    df = pd.DataFrame(
        {
            "niveau": "COM",
            "code": rng.choice(communes, rows),
            "annee": rng.integers(2019, 2024, rows),
            "sexe": rng.choice(["M", "F"], rows),
            "classe_age": rng.choice(AGE_BANDS, rows),
            "cause": rng.choice(codes, rows),
            "deces": rng.integers(1, 4, rows),
        }
    )
    df = df.drop_duplicates(["code", "annee", "sexe", "classe_age", "cause"])
    df.to_csv(path, sep=";", index=False, lineterminator="\n")


def cepidc_file(path: Path) -> int:
    ages = ["< 1", "1-4", "5-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85-94", "95p"]
    deps = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B", "971", "972", "973", "974"]
    index = pd.MultiIndex.from_product(
        [range(2013, 2023), deps, ["Hommes", "Femmes"], ages, [f"{k}. {label}" for k, _, _, label in CHAPTERS]]
    )
    df = index.to_frame(index=False)
    df.columns = [
        "annee_de_deces",
        "departement_de_domicile",
        "sexe",
        "classe_d_age_de_10_ans",
        "cause_initiale_de_deces",
    ]
    df["effectif_de_deces"] = np.arange(len(df)) % 97
    df.to_csv(path, sep=";", index=False, lineterminator="\n")
    return len(df)


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(17)
    with tempfile.TemporaryDirectory() as tmp:
        tidy, export = Path(tmp) / "deces_causes_france_2019-2023.csv", Path(tmp) / "cepidc_france.csv"
        tidy_file(tidy, args.rows, rng)
        export_rows = cepidc_file(export)
        print(f"{platform.machine()}, {platform.python_version()}")
        for label, path, reader in (
            ("fichier tidy", tidy, cod.read_cause_deaths),
            ("export CépiDc", export, cod.read_cepidc_export),
        ):
            lines = sum(1 for _ in open(path, encoding="utf-8")) - 1
            seconds, table = best(lambda p=path, r=reader: r(p), args.repeat)
            size = path.stat().st_size / 1e6
            print(
                f"{label} : {fr_number(lines)} lignes, {fr_number(size, 0)} Mo, {fr_number(seconds, 2)} s, "
                f"{fr_number(lines / seconds / 1e6, 2)} M lignes/s ({fr_number(len(table))} cellules)"
            )
        codes = pd.read_csv(tidy, sep=";", usecols=["cause"])["cause"]
        seconds, _ = best(
            lambda: (cod.cause_groups_of(codes), cod.avoidable_fractions_of(codes, AGE_BANDS)), args.repeat
        )
        print(
            f"groupes de causes et fractions évitables de {fr_number(codes.nunique())} codes distincts : "
            f"{fr_number(seconds, 2)} s (export : {fr_number(export_rows)} lignes)"
        )


if __name__ == "__main__":
    main()
