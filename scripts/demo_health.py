"""Demo files of the health-status family (issue 17): deaths by cause of the demo région's communes and
of France (tidy file ``causes/deces_causes_communes_2018-2023.csv``, ICD-10 codes).

Each death of the demo's residence-deaths file is given a cause (multinomial draw, seeded), so that
causes add up to the deaths already there; France's deaths by cause are its deaths × the same shares
(no draw). Cause shares by sex and age follow the French structure (cancers ≈ a quarter of deaths,
cardio-neuro-vascular diseases ≈ a fifth, external causes ≈ 7 %…), which gives France an avoidable
mortality of ≈ 200 per 100 000 under 75. The communes' latent factors make the figures coherent with
the rest of the demo: precarity raises the behaviour-related causes (lung cancer, alcohol, suicide,
road accidents); the territoire de santé des Brumes du Nord (the first three EPCI of Hautes-Brumes)
has a clear cardio-neuro-vascular excess.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED_OFFSET = 17  # issue 17: drawn after everything else, from the demo's SEED + 17
CLASSES = [(0, 4), (5, 24), (25, 44), (45, 64), (65, 74), (75, 84), (85, 999)]
# share of the deaths of each age class (5-24, 25-44, 45-64, 65-74, 75-84, 85+), men; the rest is ill-defined
# or other causes (R99, K92, E87); under 5, INFANTS (perinatal conditions and malformations first)
MEN = {
    "C34": [0, 0.035, 0.135, 0.125, 0.06, 0.02],
    "C18": [0, 0.012, 0.035, 0.045, 0.04, 0.025],
    "C15": [0, 0.003, 0.015, 0.012, 0.006, 0.003],
    "C01": [0, 0.003, 0.02, 0.012, 0.004, 0.001],
    "C32": [0, 0.001, 0.006, 0.005, 0.002, 0.001],
    "C16": [0, 0.003, 0.01, 0.01, 0.008, 0.005],
    "C22": [0, 0.005, 0.03, 0.03, 0.02, 0.008],
    "C25": [0, 0.005, 0.03, 0.03, 0.025, 0.012],
    "C61": [0, 0, 0.005, 0.02, 0.04, 0.04],
    "C67": [0, 0, 0.005, 0.012, 0.015, 0.012],
    "C71": [0.02, 0.02, 0.02, 0.01, 0.005, 0.002],
    "C85": [0.005, 0.005, 0.01, 0.012, 0.012, 0.008],
    "C91": [0.02, 0.01, 0.01, 0.01, 0.01, 0.008],
    "I21": [0, 0.035, 0.07, 0.07, 0.05, 0.04],
    "I25": [0, 0.01, 0.03, 0.04, 0.05, 0.05],
    "I64": [0, 0.01, 0.025, 0.035, 0.05, 0.06],
    "I50": [0, 0.003, 0.01, 0.02, 0.04, 0.07],
    "I10": [0, 0.002, 0.005, 0.01, 0.015, 0.025],
    "I48": [0, 0, 0.003, 0.008, 0.015, 0.025],
    "J44": [0, 0.002, 0.015, 0.03, 0.035, 0.03],
    "J18": [0.005, 0.005, 0.01, 0.015, 0.025, 0.04],
    "X70": [0.12, 0.13, 0.035, 0.012, 0.008, 0.005],
    "V89": [0.2, 0.05, 0.01, 0.004, 0.003, 0.001],
    "W19": [0.02, 0.01, 0.01, 0.01, 0.02, 0.04],
    "X42": [0.03, 0.03, 0.005, 0, 0, 0],
    "X99": [0.02, 0.01, 0.002, 0, 0, 0],
    "F10": [0, 0.02, 0.03, 0.01, 0.004, 0.001],
    "K70": [0, 0.025, 0.045, 0.025, 0.008, 0.002],
    "E11": [0, 0.005, 0.02, 0.025, 0.03, 0.025],
    "G30": [0, 0, 0.002, 0.01, 0.04, 0.06],
    "F03": [0, 0, 0.001, 0.005, 0.03, 0.06],
    "G20": [0, 0, 0.002, 0.01, 0.02, 0.02],
    "A41": [0.01, 0.005, 0.01, 0.015, 0.02, 0.02],
    "B20": [0, 0.005, 0.003, 0.001, 0, 0],
    "N18": [0, 0.002, 0.005, 0.01, 0.02, 0.03],
    "P07": [0.15, 0, 0, 0, 0, 0],
    "Q24": [0.05, 0.005, 0, 0, 0, 0],
    "C50": [0, 0, 0.001, 0.001, 0.001, 0.001],
    "C53": [0, 0, 0, 0, 0, 0],
    "C56": [0, 0, 0, 0, 0, 0],
}
INFANTS = {"P07": 0.5, "Q24": 0.15, "A41": 0.03, "V89": 0.02, "W19": 0.02, "C71": 0.02, "C91": 0.02, "J18": 0.02}
WOMEN_CHANGE = {  # women: multiplier of the men's share, or the share itself
    "C34": 0.55,
    "C15": 0.3,
    "C01": 0.3,
    "C32": 0.2,
    "C22": 0.35,
    "F10": 0.3,
    "K70": 0.35,
    "X70": 0.35,
    "V89": 0.35,
    "X42": 0.4,
    "X99": 0.4,
    "I21": 0.6,
    "G30": 1.4,
    "F03": 1.4,
    "C61": 0.0,
    "C50": [0, 0.06, 0.12, 0.06, 0.04, 0.02],
    "C53": [0, 0.01, 0.01, 0.005, 0.003, 0.001],
    "C56": [0, 0.005, 0.025, 0.025, 0.015, 0.007],
}
COVID = [0, 0.01, 0.04, 0.07, 0.08, 0.08]  # U07.1, times the year's weight
COVID_YEARS = {2020: 1.0, 2021: 0.8, 2022: 0.4, 2023: 0.1}
REST = {"R99": 0.5, "K92": 0.25, "E87": 0.25}
BEHAVIOUR = ["C34", "C15", "C01", "C32", "F10", "K70", "X70", "V89", "X42", "J44"]  # raised by precarity
CARDIO = ["I21", "I25", "I64", "I50", "I10", "I48"]
CARDIO_EXCESS_EPCI = 3  # the first three EPCI of Hautes-Brumes (TS-NORD): cardio-neuro-vascular × 1.45


def cause_shares(year: int) -> tuple[list[str], np.ndarray]:
    """Causes and their shares, (2 sexes, 6 age classes, causes), rows summing to 1."""
    men = {c: np.asarray([INFANTS.get(c, 0.0), *v], float) for c, v in MEN.items()}
    women = {}
    for c, v in men.items():
        change = WOMEN_CHANGE.get(c, 1.0)
        women[c] = (
            np.asarray([v[0], *change], float) if isinstance(change, list) else v * (1 if c in INFANTS else change)
        )
    base = {"M": men, "F": women}
    covid = np.asarray([0, *COVID]) * COVID_YEARS.get(year, 0.0)
    causes = [*MEN, "U07.1", *REST]
    shares = np.zeros((2, len(CLASSES), len(causes)))
    for s, sex in enumerate(("M", "F")):
        known = np.column_stack([*base[sex].values(), covid])
        rest = np.clip(1 - known.sum(axis=1), 0, None)
        shares[s] = np.column_stack([known, *(rest * w for w in REST.values())])
    return causes, shares / shares.sum(axis=2, keepdims=True)


def _class_of(bands: pd.Series) -> np.ndarray:
    lower = bands.str[:2].astype(int).to_numpy()
    return np.searchsorted([c[1] for c in CLASSES], lower, side="left")


def _commune_effects(com: pd.DataFrame, causes: list[str]) -> pd.DataFrame:
    """Multiplier of each cause's share in each commune."""
    epci = com["EPCI"].str[-5:].astype(int) - 96000
    effect = pd.DataFrame(1.0, index=com["CODGEO"], columns=causes)
    behaviour = np.exp(0.35 * com["prec"].to_numpy())
    effect.loc[:, BEHAVIOUR] = behaviour[:, None]
    cardio = np.where(epci.to_numpy() < CARDIO_EXCESS_EPCI, 1.45, 1.0)
    effect.loc[:, CARDIO] = cardio[:, None]
    return effect


def commune_cause_deaths(rng: np.random.Generator, deaths: pd.DataFrame, com: pd.DataFrame) -> pd.DataFrame:
    """niveau, code, annee, sexe, classe_age, cause, deces of the communes: each death given a cause."""
    frames = []
    for year, part in deaths.groupby("annee", sort=True):
        causes, shares = cause_shares(int(year))
        effects = _commune_effects(com, causes).reindex(part["commune"]).to_numpy()
        p = shares[np.where(part["sexe"] == "M", 0, 1), _class_of(part["classe_age"])] * effects
        p = p / p.sum(axis=1, keepdims=True)
        counts = rng.multinomial(part["deces"].to_numpy(), p)
        row, col = np.nonzero(counts)
        frames.append(
            pd.DataFrame(
                {
                    "niveau": "COM",
                    "code": part["commune"].to_numpy()[row],
                    "annee": int(year),
                    "sexe": part["sexe"].to_numpy()[row],
                    "classe_age": part["classe_age"].to_numpy()[row],
                    "cause": np.asarray(causes)[col],
                    "deces": counts[row, col],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def france_cause_deaths(fr: pd.DataFrame) -> pd.DataFrame:
    """niveau, code, annee, sexe, classe_age, cause, deces of France: its deaths × the shares (rounded)."""
    frames = []
    for year, part in fr.groupby("annee", sort=True):
        causes, shares = cause_shares(int(year))
        p = shares[np.where(part["sexe"] == "M", 0, 1), _class_of(part["classe_age"])]
        counts = np.round(part["deces"].to_numpy()[:, None] * p).astype(int)
        row, col = np.nonzero(counts)
        frames.append(
            pd.DataFrame(
                {
                    "niveau": "FRANCE",
                    "code": "FRANCE",
                    "annee": int(year),
                    "sexe": part["sexe"].to_numpy()[row],
                    "classe_age": part["classe_age"].to_numpy()[row],
                    "cause": np.asarray(causes)[col],
                    "deces": counts[row, col],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def main(out: Path, com: pd.DataFrame, fr: pd.DataFrame, seed: int) -> None:
    """Write the demo's deaths-by-cause file from the residence deaths already written in ``out``."""
    rng = np.random.default_rng(seed + SEED_OFFSET)
    deaths = pd.read_csv(next((out / "deces").glob("deces_domicile_communes_*.csv")), sep=";", dtype={"commune": str})
    table = pd.concat([commune_cause_deaths(rng, deaths, com), france_cause_deaths(fr)], ignore_index=True)
    years = f"{table['annee'].min()}-{table['annee'].max()}"
    path = out / "causes" / f"deces_causes_communes_{years}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, sep=";", index=False, lineterminator="\n")
