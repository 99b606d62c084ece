"""The demo région's social context (issue 19), in INSEE's layouts: the census « bases communales » 2021
(activité, diplômes, couples - familles - ménages) and Filosofi 2021 « chiffres clés » by commune, EPCI,
département, région and France métropolitaine.

Called by ``generate_demo_data.main`` once every other file is written, with its own generator (the
other files stay byte for byte what they were). The communes' latent factors make the data coherent
with the demo's deaths: a commune's deprivation is its ``prec`` (precarity, which raises its premature
mortality and its CSS rate) plus its ``mort`` (excess mortality), so that deprived communes die more.
Orders of magnitude of France (RP 2021, Filosofi 2021): unemployment of the 15–64 ≈ 12,5 %, blue-collar
workers ≈ 19 % of the active, at least the baccalauréat ≈ 47 % of the non-schooled 15+, median
disposable income ≈ 22 400 € per consumption unit, poverty rate ≈ 14,5 %. Filosofi's secret is that of
the real files: the whole row « s » below 50 fiscal households, the poverty rate and the distribution
« s » below about 1 000 households (a few published from 700).

The census bases also carry one fictional commune per other département of France holding the rest of
the national counts (as INSEE's national files do, France's totals are the sum of their communes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit

CENSUS_YEAR = 2021
FILOSOFI_YEAR = 2021
OTHER_DEPARTEMENTS = ([f"{d:02d}" for d in range(1, 20)] + ["2A", "2B"] + [f"{d:02d}" for d in range(21, 96)])[:93]
FRANCE = {  # national shares (census) and Filosofi figures of the fictional France
    "activity": 0.745,
    "unemployment": 0.125,
    "blue_collar": 0.19,
    "no_diploma": 0.265,
    "baccalaureate": 0.47,
    "single_parent": 0.165,
    "alone_80": 0.43,
    "median": 22_400,
    "poverty": 14.5,
}
FILOSOFI_HEADER = (
    "CODGEO;NBMENFISC21;NBPERSMENFISC21;MED21;PIMP21;TP6021;TP60AGE121;TP60AGE221;TP60AGE321;TP60AGE421;"
    "TP60AGE521;TP60AGE621;TP60TOL121;TP60TOL221;PACT21;PTSA21;PCHO21;PBEN21;PPEN21;PPAT21;PPSOC21;PPFAM21;"
    "PPMINI21;PPLOGT21;PIMPOT21;D121;D921;RD21"
).split(";")
BANDS_15_64 = [f"{a:02d}-{a + 4:02d}" for a in range(15, 65, 5)]
BANDS_80_PLUS = ["80-84", "85-89", "90-94", "95+"]
BANDS_UNDER_15 = ["00-04", "05-09", "10-14"]


def _fr(x: float, decimals: int = 1) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")


def latent_profiles(rng: np.random.Generator, com: pd.DataFrame, pop: pd.DataFrame) -> pd.DataFrame:
    """Per commune: the census 2021 age groups and the true shares, median and poverty rate."""
    p = pop[pop["annee"] == CENSUS_YEAR]
    total = p.groupby("CODGEO")["NB"].sum()

    def group(bands):
        return p[p["AGE5"].isin(bands)].groupby("CODGEO")["NB"].sum().reindex(total.index, fill_value=0)

    c = com.set_index("CODGEO").loc[total.index]
    deprivation = (c["prec"] + c["mort"]).to_numpy()
    urban = (c["size"] >= 10_000).to_numpy(float)
    n = len(c)

    def share(base, slope, urban_effect, noise):
        return expit(logit(base) + slope * deprivation + urban_effect * urban + rng.normal(0, noise, n))

    out = pd.DataFrame(
        {
            "commune": total.index,
            "departement": c["DEP"].to_numpy(),
            "epci": c["EPCI"].to_numpy(),
            "population": total.to_numpy(float),
            "pop_15_64": group(BANDS_15_64).to_numpy(float),
            "pop_15_plus": (total - group(BANDS_UNDER_15)).to_numpy(float),
            "pop_80_plus": group(BANDS_80_PLUS).to_numpy(float),
            "activity": np.clip(rng.normal(FRANCE["activity"], 0.025, n), 0.6, 0.85),
            "unemployment": share(0.085, 1.0, 0.15, 0.15),
            "blue_collar": share(0.20, 0.8, -0.35, 0.2),
            "no_diploma": share(0.25, 0.8, -0.2, 0.15),
            "baccalaureate": share(0.45, -0.9, 0.45, 0.15),
            "single_parent": share(0.15, 0.6, 0.35, 0.15),
            "alone_80": share(0.42, 0.1, 0.2, 0.2),
            "median": 22_600 * np.exp(-0.24 * deprivation + 0.04 * urban + rng.normal(0, 0.05, n)),
            "poverty": 100 * share(0.11, 1.1, 0.2, 0.15),
            "fiscal_share": rng.uniform(0.965, 0.985, n),  # persons in ordinary housing, fiscal households
        }
    )
    out["baccalaureate"] = np.minimum(out["baccalaureate"], 0.92 - out["no_diploma"])
    return out


def _census_rows(profiles: pd.DataFrame, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The three bases' columns for the given communes (weighted counts: decimals)."""
    n = len(profiles)
    f = profiles
    pop1564 = f["pop_15_64"] * rng.uniform(0.99, 1.01, n)
    act = pop1564 * f["activity"]
    chom = act * f["unemployment"]
    c_act = act * rng.uniform(0.995, 1.005, n)
    cs6 = c_act * f["blue_collar"]
    cs1 = c_act * np.where(f["population"] < 2_000, 0.035, 0.004)
    cs2 = c_act * 0.065
    cs3 = c_act * np.clip(0.19 * np.exp(1.2 * (f["baccalaureate"] - 0.47)), 0.04, 0.4)
    cs4 = c_act * 0.25
    cs5 = c_act - cs1 - cs2 - cs3 - cs4 - cs6
    # 2015: a little more unemployment, the same structure
    emploi = {
        "P21_POP1564": pop1564,
        "P21_ACT1564": act,
        "P21_ACTOCC1564": act - chom,
        "P21_CHOM1564": chom,
        "C21_ACT1564": c_act,
        **{f"C21_ACT1564_CS{k}": v for k, v in zip(range(1, 7), (cs1, cs2, cs3, cs4, cs5, cs6))},
        "P15_POP1564": pop1564 * 0.99,
        "P15_ACT1564": act * 0.98,
        "P15_CHOM1564": act * 0.98 * np.minimum(f["unemployment"] * 1.12, 0.5),
        "C15_ACT1564": c_act * 0.98,
        "C15_ACT1564_CS6": c_act * 0.98 * np.minimum(f["blue_collar"] * 1.06, 0.9),
    }
    nscol = f["pop_15_plus"] * rng.uniform(0.84, 0.87, n)
    bac = nscol * f["baccalaureate"]
    diplomes = {
        "P21_NSCOL15P": nscol,
        "P21_NSCOL15P_DIPLMIN": nscol * f["no_diploma"] * 0.78,
        "P21_NSCOL15P_BEPC": nscol * f["no_diploma"] * 0.22,
        "P21_NSCOL15P_CAPBEP": nscol * (1 - f["no_diploma"] - f["baccalaureate"]),
        "P21_NSCOL15P_BAC": bac * 0.36,
        "P21_NSCOL15P_SUP2": bac * 0.26,
        "P21_NSCOL15P_SUP34": bac * 0.2,
        "P21_NSCOL15P_SUP5": bac * 0.18,
    }
    men = f["population"] / rng.uniform(2.1, 2.3, n)
    fam = men * rng.uniform(0.58, 0.66, n)
    pop80 = f["pop_80_plus"] * rng.uniform(0.99, 1.01, n)
    familles = {
        "C21_MEN": men,
        "C21_MENPSEUL": men * rng.uniform(0.3, 0.42, n),
        "C21_PMEN": f["population"] * f["fiscal_share"],
        "C21_FAM": fam,
        "C21_COUPAENF": fam * rng.uniform(0.38, 0.46, n),
        "C21_FAMMONO": fam * f["single_parent"],
        "P21_POP80P": pop80,
        "P21_POP80P_PSEUL": pop80 * f["alone_80"],
    }
    codes = {"CODGEO": f["commune"].to_numpy()}
    return {
        name: pd.DataFrame(codes | {k: np.asarray(v, dtype=float) for k, v in columns.items()})
        for name, columns in (("emploi", emploi), ("diplomes", diplomes), ("familles", familles))
    }


def rest_of_france(profiles: pd.DataFrame, fr: pd.DataFrame) -> pd.DataFrame:
    """One fictional commune per other département: France's population minus the région's, at the
    national shares (so that France's sum of communes has them, the région included)."""
    f21 = fr[fr["annee"] == CENSUS_YEAR]

    def national(bands=None):
        part = f21 if bands is None else f21[f21["classe_age"].isin(bands)]
        return float(part["population"].sum())

    rest = {
        "population": national() - profiles["population"].sum(),
        "pop_15_64": national(BANDS_15_64) - profiles["pop_15_64"].sum(),
        "pop_15_plus": national() - national(BANDS_UNDER_15) - profiles["pop_15_plus"].sum(),
        "pop_80_plus": national(BANDS_80_PLUS) - profiles["pop_80_plus"].sum(),
    }
    share_of = {  # the rest of France's share such that France as a whole has the national share
        "unemployment": ("pop_15_64", "unemployment"),
        "blue_collar": ("pop_15_64", "blue_collar"),
        "no_diploma": ("pop_15_plus", "no_diploma"),
        "baccalaureate": ("pop_15_plus", "baccalaureate"),
        "single_parent": ("population", "single_parent"),
        "alone_80": ("pop_80_plus", "alone_80"),
    }
    k = len(OTHER_DEPARTEMENTS)
    rows = {c: rest[c] / k for c in rest}
    for column, (weight, name) in share_of.items():
        national_count = FRANCE[name] * (rest[weight] + profiles[weight].sum())
        rows[column] = (national_count - (profiles[column] * profiles[weight]).sum()) / rest[weight]
    return pd.DataFrame({"commune": [f"{d}001" for d in OTHER_DEPARTEMENTS]}).assign(
        **rows, activity=FRANCE["activity"], fiscal_share=0.975
    )


def write_census_bases(out: Path, profiles: pd.DataFrame, fr: pd.DataFrame, rng: np.random.Generator) -> None:
    region = _census_rows(profiles, rng)
    other = _census_rows(rest_of_france(profiles, fr), np.random.default_rng(0))
    names = {
        "emploi": f"base-cc-emploi-pop-active-{CENSUS_YEAR}.CSV",
        "diplomes": f"base-cc-diplomes-formation-{CENSUS_YEAR}.CSV",
        "familles": f"base-cc-coupl-fam-men-{CENSUS_YEAR}.CSV",
    }
    (out / "recensement").mkdir(parents=True, exist_ok=True)
    for key, name in names.items():
        table = pd.concat([region[key], other[key]], ignore_index=True).sort_values("CODGEO", ignore_index=True)
        table.to_csv(out / "recensement" / name, sep=";", index=False, float_format="%.10g", lineterminator="\n")


def _filosofi_line(
    code: str, households: float, persons: float, median: float, poverty: float, prec: float, published: str
) -> str:
    """One line of a cc_filosofi file; ``published``: « all », « median » (counts and median only, the
    rest secret) or « none » (the whole row « s »)."""
    if published == "none":
        return ";".join([code] + ["s"] * (len(FILOSOFI_HEADER) - 1))
    fields = [code, f"{households:.0f}", f"{persons:.0f}", f"{round(median, -1):.0f}"]
    rest = ["s"] * (len(FILOSOFI_HEADER) - 4)
    if published == "all":
        d1, d9 = median * 0.53 * np.exp(-0.1 * prec), median * 1.78 * np.exp(0.05 * prec)
        ages = [poverty * m for m in (1.45, 1.25, 1.15, 1.0, 0.65, 0.6)]
        rest = [
            _fr(max(5.0, min(85.0, 52 - 25 * prec)), 1),
            _fr(poverty, 1),
            *[_fr(min(a, 99.0), 1) for a in ages],
            _fr(poverty * 0.35, 1),
            _fr(min(poverty * 2.1, 99.0), 1),
            "74,5",
            "67,2",
            _fr(3.4 + 2 * max(prec, 0), 1),
            "3,9",
            "24,3",
            "9,6",
            _fr(5.5 + 3 * max(prec, 0), 1),
            "2,4",
            _fr(2.0 + 2 * max(prec, 0), 1),
            "1,6",
            "-14,9",
            f"{round(d1, -1):.0f}",
            f"{round(d9, -1):.0f}",
            _fr(d9 / d1, 1),
        ]
    return ";".join(fields + rest)


def write_filosofi(out: Path, profiles: pd.DataFrame, com: pd.DataFrame, rng: np.random.Generator) -> None:
    """cc_filosofi_2021_COM / EPCI / DEP / REG / METRO.csv: each level's own figures (a median of a union
    of communes is not their average: drawn close to it; a poverty rate is the exact aggregate, secret
    communes included)."""
    f = profiles.copy()
    f["persons"] = np.round(f["population"] * f["fiscal_share"])
    f["households"] = np.round(f["persons"] / rng.uniform(2.15, 2.35, len(f)))
    f["poverty"] = np.round(f["poverty"])  # communes: whole percents, as the real file
    prec = com.set_index("CODGEO").loc[f["commune"], "prec"].to_numpy()
    lucky = rng.random(len(f)) < 0.2  # the secret is not strict: a few communes of 700–1 000 households
    published = np.select(
        [f["households"] < 50, f["households"] < 700, (f["households"] < 1000) & ~lucky],
        ["none", "median", "median"],
        "all",
    )
    lines = {
        "COM": [
            _filosofi_line(r.commune, r.households, r.persons, r.median, r.poverty, p, s)
            for r, p, s in zip(f.itertuples(), prec, published)
        ]
    }
    for level, key in (("EPCI", "epci"), ("DEP", "departement"), ("REG", None)):
        groups = f.groupby(key) if key else [("96", f)]
        lines[level] = []
        for code, g in groups:
            persons = g["persons"].sum()
            poverty = round(float((g["poverty"] * g["persons"]).sum() / persons), 1)
            median = float((g["median"] * g["persons"]).sum() / persons) * rng.uniform(0.985, 1.015)
            p = float((prec * f["persons"].to_numpy())[g.index].sum() / persons)
            lines[level].append(_filosofi_line(str(code), g["households"].sum(), persons, median, poverty, p, "all"))
    lines["METRO"] = [_filosofi_line("METRO", 29_150_000, 63_900_000, FRANCE["median"], FRANCE["poverty"], 0, "all")]
    (out / "filosofi").mkdir(parents=True, exist_ok=True)
    for level, rows in lines.items():
        text = ";".join(FILOSOFI_HEADER) + "\n" + "\n".join(sorted(rows)) + "\n"
        (out / "filosofi" / f"cc_filosofi_{FILOSOFI_YEAR}_{level}.csv").write_text(text, encoding="utf-8")


def write_social_files(out: Path, com: pd.DataFrame, pop: pd.DataFrame, fr: pd.DataFrame, seed: int) -> None:
    """The census bases and Filosofi files of the demo, from its communes (latent factors), populations and
    France reference; ``seed``: this family's own generator."""
    rng = np.random.default_rng(seed)
    profiles = latent_profiles(rng, com, pop)
    write_census_bases(out, profiles, fr, rng)
    write_filosofi(out, profiles, com, rng)
