"""Throughput and memory of the Annuaire santé (RPPS) reader; prints the figures.

    python benchmarks/benchmark_rpps.py [--lines 2000000] [--keep DIR]

A real ``PS_LibreAcces_Personne_activite`` extraction has ≈ 2.1 million lines of 53 ``|``-separated fields,
≈ 1 GB. This writes one deterministic fictional extraction of ``--lines`` lines in that layout (the real
header, names, addresses, telephones and e-mails of realistic widths, a third of the lines without commune,
practitioners on several lines), then reads it with :func:`read_rpps_activities` in a fresh process, so that
the peak resident memory is the reader's own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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

HEADER = (
    "|".join(
        [
            "Type d'identifiant PP",
            "Identifiant PP",
            "Identification nationale PP",
            "Code civilité d'exercice",
            "Libellé civilité d'exercice",
            "Code civilité",
            "Libellé civilité",
            "Nom d'exercice",
            "Prénom d'exercice",
            "Code profession",
            "Libellé profession",
            "Code catégorie professionnelle",
            "Libellé catégorie professionnelle",
            "Code type savoir-faire",
            "Libellé type savoir-faire",
            "Code savoir-faire",
            "Libellé savoir-faire",
            "Code mode exercice",
            "Libellé mode exercice",
            "Numéro SIRET site",
            "Numéro SIREN site",
            "Numéro FINESS site",
            "Numéro FINESS établissement juridique",
            "Identifiant technique de la structure",
            "Raison sociale site",
            "Enseigne commerciale site",
            "Complément destinataire (coord. structure)",
            "Complément point géographique (coord. structure)",
            "Numéro Voie (coord. structure)",
            "Indice répétition voie (coord. structure)",
            "Code type de voie (coord. structure)",
            "Libellé type de voie (coord. structure)",
            "Libellé Voie (coord. structure)",
            "Mention distribution (coord. structure)",
            "Bureau cedex (coord. structure)",
            "Code postal (coord. structure)",
            "Code commune (coord. structure)",
            "Libellé commune (coord. structure)",
            "Code pays (coord. structure)",
            "Libellé pays (coord. structure)",
            "Téléphone (coord. structure)",
            "Téléphone 2 (coord. structure)",
            "Télécopie (coord. structure)",
            "Adresse e-mail (coord. structure)",
            "Code Département (structure)",
            "Libellé Département (structure)",
            "Ancien identifiant de la structure",
            "Autorité d'enregistrement",
            "Code secteur d'activité",
            "Libellé secteur d'activité",
            "Code section tableau pharmaciens",
            "Libellé section tableau pharmaciens",
        ]
    )
    + "|"
)  # the real header, with its trailing separator
# (code, label, share of lines) — nurses, physicians, pharmacists… and professions the reader does not keep
PROFESSIONS = [
    ("60", "Infirmier", 0.38),
    ("10", "Médecin", 0.26),
    ("21", "Pharmacien", 0.07),
    ("70", "Masseur-Kinésithérapeute", 0.06),
    ("40", "Chirurgien-Dentiste", 0.03),
    ("50", "Sage-Femme", 0.02),
    ("28", "Opticien-Lunetier", 0.06),
    ("91", "Orthophoniste", 0.04),
    ("26", "Audioprothésiste", 0.01),
    ("80", "Pédicure-Podologue", 0.02),
    ("96", "Psychomotricien", 0.02),
    ("69", "Infirmier psychiatrique", 0.03),
]
SKILLS = [
    ("SM54", "Médecine Générale"),
    ("SM53", "Spécialiste en Médecine Générale"),
    ("SM26", "Qualifié en Médecine Générale"),
    ("SM04", "Cardiologie et maladies vasculaires"),
    ("SM40", "Pédiatrie"),
    ("SM33", "Psychiatrie"),
    ("SM02", "Anesthésie-réanimation"),
]
SECTORS = [
    ("SA07", "Cabinet individuel"),
    ("SA08", "Cabinet de groupe"),
    ("SA01", "Etablissement Public de santé"),
    ("SA05", "Centre de Santé"),
    ("SA09", "Exercice en société"),
]
LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def words(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` upper-case pseudo-words of ``low``–``high`` letters (built from a pool: fast, realistic widths)."""
    pool = np.array(["".join(rng.choice(LETTERS, k)) for k in rng.integers(low, high + 1, 5000)])
    return pool[rng.integers(0, len(pool), n)]


def digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return np.char.zfill(rng.integers(0, 10 ** min(width, 18), n).astype(str), width)


def chunk(rng: np.random.Generator, n: int, first_id: int) -> tuple[str, int]:
    """``n`` lines of text; practitioners take 1 to 4 consecutive lines (sites, savoir-faire)."""
    per = rng.choice([1, 2, 3, 4], size=n, p=[0.62, 0.25, 0.09, 0.04])
    owners = np.repeat(np.arange(n), per)[:n]
    ident = (first_id + owners).astype(str)
    prof_index = rng.choice(len(PROFESSIONS), size=n, p=[p[2] for p in PROFESSIONS])[owners]
    physician = np.array([p[0] for p in PROFESSIONS])[prof_index] == "10"
    skill = np.where(physician, rng.integers(0, len(SKILLS), n)[owners] + 1, 0)
    sector = rng.integers(0, len(SECTORS), n)
    liberal = rng.random(n) < 0.55
    dep = np.char.zfill(rng.integers(1, 96, n).astype(str), 2)
    commune = np.char.add(dep, np.char.zfill(rng.integers(1, 700, n).astype(str), 3))
    postal = np.char.add(dep, np.char.zfill((rng.integers(0, 100, n) * 10).astype(str), 3))
    no_commune = rng.random(n) < 0.33
    address = ~(no_commune & (rng.random(n) < 0.5))
    city = words(rng, n, 5, 14)

    def pick(values, index):
        return np.array(values, dtype=object)[index]

    def blank(values):
        return np.where(address, values, "")

    skills = [("", "", "", "")] + [("S", "Spécialité ordinale") + s for s in SKILLS]
    columns = [
        np.full(n, "8"),
        ident,
        np.char.add("8", ident),
        np.where(physician, "DR", ""),
        np.where(physician, "Docteur", ""),
        np.full(n, "M"),
        np.full(n, "Monsieur"),
        words(rng, n, 4, 12),
        words(rng, n, 4, 9),
        pick([p[0] for p in PROFESSIONS], prof_index),
        pick([p[1] for p in PROFESSIONS], prof_index),
        np.where(rng.random(n) < 0.025, "E", "C"),
        np.full(n, "Civil"),
        *(pick([s[k] for s in skills], skill) for k in range(4)),
        np.where(liberal, "L", "S"),
        np.where(liberal, "Libéral", "Salarié"),
        digits(rng, n, 14),
        np.full(n, ""),
        np.where(~liberal, digits(rng, n, 9), ""),
        np.where(~liberal, digits(rng, n, 9), ""),
        np.char.add("R", digits(rng, n, 14)),
        np.char.add("CABINET MEDICAL ", words(rng, n, 10, 40)),
        words(rng, n, 0, 24),
        blank(words(rng, n, 0, 30)),
        blank(words(rng, n, 0, 20)),
        blank(rng.integers(1, 200, n).astype(str)),
        np.full(n, ""),
        blank(np.full(n, "R")),
        blank(np.full(n, "Rue")),
        blank(np.char.add("DES ", words(rng, n, 8, 26))),
        np.full(n, ""),
        blank(np.char.add(np.char.add(postal, " "), city)),
        blank(postal),
        np.where(no_commune, "", commune),
        np.where(no_commune, "", city),
        blank(np.full(n, "99000")),
        blank(np.full(n, "France")),
        blank(np.char.add("03", digits(rng, n, 8))),
        blank(np.where(rng.random(n) < 0.3, np.char.add("06", digits(rng, n, 8)), "")),
        blank(np.where(rng.random(n) < 0.4, np.char.add("03", digits(rng, n, 8)), "")),
        blank(np.char.add(np.char.lower(words(rng, n, 5, 14)), "@cabinet-exemple-sante.fr")),
        np.full(n, ""),
        np.full(n, ""),
        np.char.add("1", digits(rng, n, 14)),
        np.full(n, "CNOM/CNOM/ARS"),
        pick([s[0] for s in SECTORS], sector),
        pick([s[1] for s in SECTORS], sector),
        np.full(n, ""),
        np.full(n, ""),
        np.full(n, ""),
    ]
    rows = zip(*(c.tolist() for c in columns))
    return "\n".join(map("|".join, rows)) + "\n", first_id + n


def write_extraction(path: Path, lines: int, seed: int = 2024) -> None:
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER + "\n")
        next_id, left = 10000000000, lines
        while left:
            n = min(left, 200_000)
            text, next_id = chunk(rng, n, next_id)
            f.write(text)
            left -= n


def high_water_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited from the parent over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path) -> None:
    """Run in a fresh process: read the file once, print the figures as JSON."""
    import pyarrow as pa

    from diagnostics.sources.rpps import read_rpps_activities

    baseline = high_water_mb()
    start = time.perf_counter()
    out = read_rpps_activities(path)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_rss_mb": high_water_mb(),
                "baseline_rss_mb": baseline,
                "arrow_pool_peak_mb": pa.default_memory_pool().max_memory() / 1e6,
                "rows": len(out),
                "practitioners": float(out["practitioners"].sum()),
                "warnings": out.attrs["warnings"],
                "details": out.attrs["details"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="folder where the generated extraction is kept (and reused)")
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        return measure(args.read)
    import pyarrow as pa

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / str(args.lines) / "PS_LibreAcces_Personne_activite_202402120843.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            start = time.perf_counter()
            write_extraction(path, args.lines)
            size = path.stat().st_size / 1e6
            print(f"generated {args.lines:,} lines ({size:,.0f} MB) in {time.perf_counter() - start:.1f} s")
        size = path.stat().st_size / 1e6
        figures = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--read", str(path)], check=True, capture_output=True, text=True
            ).stdout
        )
    print(
        f"python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"pyarrow {pa.__version__}; "
        f"{platform.machine()}, {os.cpu_count()} CPU"
    )
    print(f"lines: {args.lines:,}  file: {size:,.0f} MB")
    print(
        f"wall time: {figures['seconds']:.2f} s  rate: {args.lines / figures['seconds']:,.0f} lines/s, "
        f"{size / figures['seconds']:,.0f} MB/s (load average {os.getloadavg()[0]:.1f} on a shared machine)"
    )
    print(
        f"peak resident memory: {figures['peak_rss_mb']:,.0f} MB "
        f"(after imports: {figures['baseline_rss_mb']:,.0f} MB); "
        f"Arrow pool peak: {figures['arrow_pool_peak_mb']:,.0f} MB"
    )
    print(f"output: {figures['rows']:,} rows, {figures['practitioners']:,.1f} practitioners")
    for line in figures["details"] + figures["warnings"]:
        print("  " + line)


if __name__ == "__main__":
    main()
