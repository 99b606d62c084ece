"""Demo files of the primary care family (« offre de soins de premier recours », issue 18), called last by
``generate_demo_data.py``: its random numbers come from its own generator, so the other demo files are unchanged.

- bassins de vie (``BV2022``, named after their pole commune) and zones d'emploi (``ZE2020``, ``LIBZE2020``)
  added to the table d'appartenance: the towns of 5 000 inhabitants or more and two rural bourgs are poles,
  each commune joins its nearest pole; the zones d'emploi group the bassins de vie around the three préfectures
  and the largest town of Hautes-Brumes;
- the RPPS open extraction (``PS_LibreAcces_Personne_activite_AAAAMMJJHHMM.txt``, ANS layout: 53 ``|``-fields,
  one line per practitioner × site × savoir-faire): liberal densities near France's (≈ 95 GPs, ≈ 170 nurses per
  100 000), GPs settling in bourgs and towns, fewer where the population is older and poorer, the rural bassin
  de vie of the north-east well below the « zone fragile » threshold; hospital practitioners in the préfectures;
  a GP with two cabinets (counted 0,5 in each commune), nurses and physiotherapists with a second site, a site
  located by its FINESS number and one by its postal code, and the lines a reader must leave out (students,
  bénévoles, no activity, other professions, a physician without spécialité ordinale);
- France's practitioners (``professionnels_sante_france_AAAA.csv``), the Ameli age structure of liberal
  practitioners by département (``demographie-effectifs-et-les-densites.csv``, 2019–2023, France and the région
  as ``999`` rows) and the ARS zoning of general practice (ZIP where the APL is lowest, ZAC around).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED_OFFSET = 18
EXTRACTION = "202312150843"  # 15 December 2023: year 2023, the demo's last population year
YEAR = 2023
AMELI_YEARS = list(range(2019, 2024))
RURAL_BOURGS = 2  # rural poles of bassins de vie, besides the towns
POLE_SIZE = 5_000
# liberal practitioners per 100 000 inhabitants (midwives: per 100 000 women aged 15-49), France ≈ 2023
LIBERAL_RATES = {
    "general_practitioner": 95.0,
    "specialist": 62.0,
    "nurse": 172.0,
    "physiotherapist": 128.0,
    "dentist": 54.0,
    "midwife": 42.0,
    "pharmacist": 40.0,
}
# salaried practitioners (hospitals, centres, officine assistants), per 100 000 of the préfectures' départements
SALARIED_RATES = {"general_practitioner": 30.0, "specialist": 90.0, "nurse": 260.0, "midwife": 60.0, "pharmacist": 38.0}
PROFESSION_CODES = {
    "general_practitioner": ("10", "Médecin"),
    "specialist": ("10", "Médecin"),
    "nurse": ("60", "Infirmier"),
    "physiotherapist": ("70", "Masseur-Kinésithérapeute"),
    "dentist": ("40", "Chirurgien-Dentiste"),
    "midwife": ("50", "Sage-Femme"),
    "pharmacist": ("21", "Pharmacien"),
}
SPECIALTIES = [
    ("SM04", "Cardiologie et maladies vasculaires"),
    ("SM15", "Dermatologie et vénéréologie"),
    ("SM20", "Gynécologie-obstétrique"),
    ("SM33", "Ophtalmologie"),
    ("SM40", "Pédiatrie"),
    ("SM42", "Psychiatrie"),
    ("SM44", "Radio-diagnostic"),
]
FRENCH = {
    "general_practitioner": "médecin généraliste",
    "specialist": "médecin spécialiste",
    "nurse": "infirmier",
    "physiotherapist": "masseur-kinésithérapeute",
    "dentist": "chirurgien-dentiste",
    "midwife": "sage-femme",
    "pharmacist": "pharmacien",
}
AMELI_PROFESSIONS = {
    "general_practitioner": "Ensemble des médecins généralistes",
    "specialist": "Ensemble des médecins spécialistes (hors généralistes)",
    "nurse": "Infirmiers",
    "physiotherapist": "Masseurs-kinésithérapeutes",
    "dentist": "Ensemble des chirurgiens-dentistes",
    "midwife": "Sages-femmes",
}
AMELI_AGES = (
    [("moins_25", "moins de 25 ans")]
    + [(f"{a}_{a + 4}", f"de {a} à {a + 4} ans") for a in range(25, 70, 5)]
    + [("70_plus", "70 ans et plus")]
)
# share of liberal GPs by age class (moins de 25 … 70 et plus), France: about 30 % aged 60 or more
FRANCE_GP_AGES = np.array([0.0, 0.05, 0.10, 0.11, 0.11, 0.10, 0.11, 0.12, 0.13, 0.10, 0.07])
HEADER = (
    "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|Libellé civilité "
    "d'exercice|Code civilité|Libellé civilité|Nom d'exercice|Prénom d'exercice|Code profession|Libellé profession|"
    "Code catégorie professionnelle|Libellé catégorie professionnelle|Code type savoir-faire|Libellé type "
    "savoir-faire|Code savoir-faire|Libellé savoir-faire|Code mode exercice|Libellé mode exercice|Numéro SIRET site|"
    "Numéro SIREN site|Numéro FINESS site|Numéro FINESS établissement juridique|Identifiant technique de la "
    "structure|Raison sociale site|Enseigne commerciale site|Complément destinataire (coord. structure)|Complément "
    "point géographique (coord. structure)|Numéro Voie (coord. structure)|Indice répétition voie (coord. "
    "structure)|Code type de voie (coord. structure)|Libellé type de voie (coord. structure)|Libellé Voie (coord. "
    "structure)|Mention distribution (coord. structure)|Bureau cedex (coord. structure)|Code postal (coord. "
    "structure)|Code commune (coord. structure)|Libellé commune (coord. structure)|Code pays (coord. structure)|"
    "Libellé pays (coord. structure)|Téléphone (coord. structure)|Téléphone 2 (coord. structure)|Télécopie (coord. "
    "structure)|Adresse e-mail (coord. structure)|Code Département (structure)|Libellé Département (structure)|"
    "Ancien identifiant de la structure|Autorité d'enregistrement|Code secteur d'activité|Libellé secteur "
    "d'activité|Code section tableau pharmaciens|Libellé section tableau pharmaciens|"
)
FIELDS = HEADER.split("|")
NAMES = [
    "MARTIN",
    "BERNARD",
    "DUBOIS",
    "THOMAS",
    "ROBERT",
    "RICHARD",
    "PETIT",
    "DURAND",
    "LEROY",
    "MOREAU",
    "SIMON",
    "LAURENT",
    "LEFEBVRE",
    "MICHEL",
    "GARCIA",
    "DAVID",
    "BERTRAND",
    "ROUX",
    "VINCENT",
    "FOURNIER",
]
FIRST = ["CAMILLE", "LOUIS", "LÉA", "HUGO", "CHLOÉ", "JULES", "INÈS", "LUCAS", "MANON", "NATHAN", "SARAH", "ÉLODIE"]


def postal_code(commune: str) -> str:
    """A fictional postal code, one per commune (7 is prime with 1 000: no two communes of a département share one)."""
    return commune[:2] + f"{int(commune[2:]) * 7 % 1000:03d}"


def commune_points(outlines: dict) -> pd.DataFrame:
    """CODGEO, x, y: a point inside each commune (longitude / latitude, x scaled by the cosine of the latitude)."""
    import shapely

    rows = []
    for f in outlines["features"]:
        p = shapely.geometry.shape(f["geometry"]).representative_point()
        rows.append((f["properties"]["code"], p.x, p.y))
    df = pd.DataFrame(rows, columns=["CODGEO", "lon", "lat"])
    return df.assign(x=df["lon"] * np.cos(np.radians(df["lat"].mean())), y=df["lat"])


def zonages(com: pd.DataFrame, sizes: pd.Series, points: pd.DataFrame) -> pd.DataFrame:
    """CODGEO, BV2022, ZE2020, LIBZE2020 — each commune in the bassin de vie of its nearest pole."""
    xy = points.set_index("CODGEO").loc[com["CODGEO"], ["x", "y"]].to_numpy()
    size = sizes.reindex(com["CODGEO"]).to_numpy()
    towns = np.flatnonzero(size >= POLE_SIZE)
    # rural bourgs far from every town: the largest commune farthest from the towns, twice
    poles = list(towns)
    for _ in range(RURAL_BOURGS):
        far = np.min(np.linalg.norm(xy[:, None, :] - xy[None, poles, :], axis=2), axis=1)
        candidates = np.flatnonzero((size >= 900) & (far > np.quantile(far, 0.8)))
        poles.append(int(candidates[np.argmax(size[candidates])]))
    nearest = np.argmin(np.linalg.norm(xy[:, None, :] - xy[None, poles, :], axis=2), axis=1)
    codes = com["CODGEO"].to_numpy()
    bassin = codes[np.array(poles)][nearest]
    prefectures = [int(np.flatnonzero(codes == f"{d}01")[0]) for d in ("961", "962", "963")]
    second = int(np.flatnonzero(codes == "96103")[0])
    ze_poles = prefectures + [second]
    pole_xy = np.array([xy[codes == b][0] for b in bassin])
    ze_of = np.argmin(np.linalg.norm(pole_xy[:, None, :] - xy[None, ze_poles, :], axis=2), axis=1)
    names = dict(zip(com["CODGEO"], com["LIBGEO"]))
    return pd.DataFrame(
        {
            "CODGEO": codes,
            "BV2022": bassin,
            "ZE2020": [f"96{i + 1:02d}" for i in ze_of],
            "LIBZE2020": [names[codes[ze_poles[i]]] for i in ze_of],
        }
    )


def rural_bassin(zones: pd.DataFrame, sizes: pd.Series, com: pd.DataFrame) -> str:
    """The rural bassin de vie of Hautes-Brumes whose pole is smallest: the demo's « zone fragile »."""
    poles = zones.drop_duplicates("BV2022")["BV2022"]
    rural = poles[poles.str.startswith("961") & (sizes.reindex(poles).to_numpy() < POLE_SIZE)]
    return str(rural.iloc[int(np.argmin(sizes.reindex(rural).to_numpy()))]) if len(rural) else str(poles.iloc[-1])


def expected_liberal(com: pd.DataFrame, people: pd.Series, women: pd.Series, zones: pd.DataFrame, fragile: str, rng):
    """Expected liberal practitioners by commune and profession: the France rate, drawn towards bourgs and
    towns (a hamlet rarely has a cabinet), a little lower where the population is older or poorer, each bassin
    de vie within ± 15 % of the others and the fragile one at 40 % of France for GPs."""
    c = com.set_index("CODGEO")
    size = people.reindex(c.index).to_numpy(float)
    bassin = zones.set_index("CODGEO")["BV2022"].reindex(c.index)
    bv_effect = pd.Series(rng.uniform(0.88, 1.12, bassin.nunique()), index=sorted(bassin.unique()))
    local = np.exp(-0.35 * c["aging"].to_numpy() - 0.15 * c["prec"].to_numpy()) * bassin.map(bv_effect).to_numpy()
    pull = np.where(size < 250, 0.3, 1.0) * size**0.1
    out = {}
    for profession, rate in LIBERAL_RATES.items():
        base = women.reindex(c.index).to_numpy(float) if profession == "midwife" else size
        weight = base * pull * local
        if profession == "general_practitioner":
            weight = weight * np.where(bassin.to_numpy() == fragile, 0.45, 1.0)
        target = base.sum() * rate / 100_000 * (0.93 if profession == "general_practitioner" else 1.0)
        out[profession] = pd.Series(weight / weight.sum() * target, index=c.index)
    return pd.DataFrame(out)


def practitioners(com, people, women, zones, fragile, rng) -> pd.DataFrame:
    """One row per practitioner × site: pid, profession, mode, commune, specialty (code, label), sector, finess."""
    expected = expected_liberal(com, people, women, zones, fragile, rng)
    rows, pid = [], 0
    for profession in LIBERAL_RATES:
        counts = rng.poisson(expected[profession].to_numpy())
        for commune, n in zip(expected.index, counts):
            for _ in range(int(n)):
                pid += 1
                rows.append((pid, profession, "L", commune, "SA07" if rng.random() < 0.55 else "SA08", ""))
    prefectures = [f"{d}01" for d in ("961", "962", "963")] + ["96103", "96202"]
    weights = people.reindex(prefectures).to_numpy(float)
    for profession, rate in SALARIED_RATES.items():
        n = int(round(people.sum() * rate / 100_000))
        sites = rng.choice(prefectures, n, p=weights / weights.sum())
        for commune in sites:
            pid += 1
            sector = "SA08" if profession == "pharmacist" else ("SA05" if rng.random() < 0.15 else "SA01")
            rows.append((pid, profession, "S", commune, sector, ""))
    df = pd.DataFrame(rows, columns=["pid", "profession", "mode", "commune", "sector", "finess"])
    return second_sites(df, com, zones, rng)


def second_sites(df: pd.DataFrame, com: pd.DataFrame, zones: pd.DataFrame, rng) -> pd.DataFrame:
    """A GP with two cabinets in two communes of his bassin de vie, and 4 % of the liberal nurses and
    physiotherapists with a second site in a commune of theirs."""
    bassin = zones.set_index("CODGEO")["BV2022"]
    members = zones.groupby("BV2022")["CODGEO"].apply(list)
    extra = []
    gp = df[(df["profession"] == "general_practitioner") & (df["mode"] == "L")].iloc[0]
    other = [c for c in members[bassin[gp["commune"]]] if c != gp["commune"]]
    extra.append(gp.to_dict() | {"commune": other[0]})
    movers = df[df["profession"].isin(["nurse", "physiotherapist"]) & (df["mode"] == "L")]
    for r in movers[rng.random(len(movers)) < 0.04].itertuples(index=False):
        choices = [c for c in members[bassin[r.commune]] if c != r.commune]
        if choices:
            extra.append(r._asdict() | {"commune": choices[int(rng.integers(len(choices)))]})
    return pd.concat([df, pd.DataFrame(extra)], ignore_index=True).sort_values(["pid", "commune"], kind="stable")


def _line(**values) -> str:
    return "|".join(values.get(name, "") for name in FIELDS)


def rpps_lines(df: pd.DataFrame, com: pd.DataFrame, finess_sites: list[str], rng) -> list[str]:
    names = dict(zip(com["CODGEO"], com["LIBGEO"]))
    specialty = {
        pid: SPECIALTIES[int(rng.integers(len(SPECIALTIES)))] for pid in df.loc[df.profession == "specialist", "pid"]
    }
    lines = []
    for r in df.itertuples(index=False):
        code, label = PROFESSION_CODES[r.profession]
        ident = f"{10_000_000_000 + r.pid * 11}"
        person = {
            "Type d'identifiant PP": "8",
            "Identifiant PP": ident,
            "Identification nationale PP": "8" + ident,
            "Nom d'exercice": NAMES[r.pid % len(NAMES)],
            "Prénom d'exercice": FIRST[r.pid % len(FIRST)],
            "Code profession": code,
            "Libellé profession": label,
            "Code catégorie professionnelle": "C",
            "Libellé catégorie professionnelle": "Civil",
            "Code mode exercice": r.mode,
            "Libellé mode exercice": "Libéral" if r.mode == "L" else "Salarié",
            "Identifiant technique de la structure": f"R{ident}{r.commune}",
            "Code postal (coord. structure)": postal_code(r.commune),
            "Code commune (coord. structure)": r.commune,
            "Libellé commune (coord. structure)": names[r.commune],
            "Code pays (coord. structure)": "99000",
            "Libellé pays (coord. structure)": "France",
            "Code Département (structure)": r.commune[:3],
            "Code secteur d'activité": r.sector,
            "Code section tableau pharmaciens": ("A" if r.mode == "L" else "D") if r.profession == "pharmacist" else "",
        }
        if r.profession == "general_practitioner":
            skills = [("S", "SM54", "Médecine générale")] + (
                [("CAPA", "CAPA06", "Gérontologie")] if r.pid % 5 == 0 else []
            )
        elif r.profession == "specialist":
            skills = [("S", *specialty[r.pid])]
        else:
            skills = [("", "", "")]
        for kind, skill, skill_label in skills:
            lines.append(
                _line(
                    **person,
                    **{"Code type savoir-faire": kind, "Code savoir-faire": skill, "Libellé savoir-faire": skill_label},
                )
            )
    return lines + special_lines(com, finess_sites)


def special_lines(com: pd.DataFrame, finess_sites: list[str]) -> list[str]:
    """Lines that the reader locates another way or leaves out, each once."""
    base = {
        "Type d'identifiant PP": "8",
        "Code catégorie professionnelle": "C",
        "Code pays (coord. structure)": "99000",
    }
    town = "96302"

    def person(n: int, code: str, **rest) -> str:
        ident = f"19{n:09d}"
        return _line(
            **(
                base
                | {"Identifiant PP": ident, "Identification nationale PP": "8" + ident, "Code profession": code}
                | rest
            )
        )

    return [
        # a salaried nurse of a medico-social service, her site known by its FINESS number only
        person(
            1,
            "60",
            **{"Code mode exercice": "S", "Numéro FINESS site": finess_sites[0], "Code secteur d'activité": "SA29"},
        ),
        # a physiotherapist whose site has a postal code but no commune code
        person(2, "70", **{"Code mode exercice": "L", "Code postal (coord. structure)": postal_code(town)}),
        # students, a volunteer, two without activity, opticians, a physician without spécialité ordinale
        person(
            3,
            "10",
            **{
                "Code catégorie professionnelle": "E",
                "Code mode exercice": "S",
                "Code type savoir-faire": "S",
                "Code savoir-faire": "SM54",
                "Code commune (coord. structure)": "96101",
            },
        ),
        person(
            4,
            "60",
            **{
                "Code catégorie professionnelle": "E",
                "Code mode exercice": "S",
                "Code commune (coord. structure)": "96201",
            },
        ),
        person(5, "60", **{"Code mode exercice": "B", "Code commune (coord. structure)": town}),
        person(6, "70"),
        person(7, "40"),
        person(8, "28", **{"Code mode exercice": "L", "Code commune (coord. structure)": "96101"}),
        person(9, "28", **{"Code mode exercice": "L", "Code commune (coord. structure)": "96301"}),
        person(10, "10", **{"Code mode exercice": "L", "Code commune (coord. structure)": "96104"}),
    ]


def france_practitioners(fr: pd.DataFrame) -> pd.DataFrame:
    """France's practitioners by profession and mode (rates of the demo, the salaried as in France)."""
    f = fr[fr["annee"] == YEAR]
    people = f["population"].sum()
    women = f[(f["sexe"] == "F") & f["classe_age"].isin([f"{a:02d}-{a + 4:02d}" for a in range(15, 50, 5)])][
        "population"
    ].sum()
    salaried = {
        "general_practitioner": 55.0,
        "specialist": 160.0,
        "nurse": 730.0,
        "physiotherapist": 18.0,
        "dentist": 6.0,
        "midwife": 170.0,
        "pharmacist": 42.0,
    }
    rows = []
    for profession, rate in LIBERAL_RATES.items():
        base = women if profession == "midwife" else people
        rows.append((YEAR, FRENCH[profession], "libéral", round(base * rate / 100_000)))
        rows.append((YEAR, FRENCH[profession], "salarié", round(base * salaried[profession] / 100_000)))
    return pd.DataFrame(rows, columns=["annee", "profession", "mode", "effectif"])


def ameli_rows(liberal: pd.DataFrame, fr_counts: dict, com: pd.DataFrame) -> pd.DataFrame:
    """Ameli « démographie » rows: départements, the région (999) and France (999, région 99), 2019–2023,
    age class × sex and the totals. Hautes-Brumes' GPs are older (the fragile bassin de vie is there)."""
    ageing = {"961": 1.35, "962": 0.95, "963": 1.05}
    shift = {"961": 0.05, "962": -0.01, "963": 0.01}
    names = dict(zip(com["DEP"], com["LIBDEP"]))
    territories = [("96", "Région de Val-Brumeux (fictive)", dep, names[dep], dep) for dep in sorted(names)]
    rows = []
    for year in AMELI_YEARS:
        drift = 1 - 0.012 * (YEAR - year)
        totals = {}
        for _, _, dep, _, key in territories:
            sub = liberal[liberal["departement"] == key]
            totals[dep] = {
                p: round(sub.loc[sub.profession == p, "practitioners"].sum() * drift) for p in AMELI_PROFESSIONS
            }
        totals["999"] = {p: sum(t[p] for t in totals.values()) for p in AMELI_PROFESSIONS}
        france = {p: round(fr_counts[p] * drift) for p in AMELI_PROFESSIONS}
        lines = [(r, rn, d, dn) for r, rn, d, dn, _ in territories]
        lines += [
            ("96", "Région de Val-Brumeux (fictive)", "999", "Tout département"),
            ("99", "France", "999", "Tout département"),
        ]
        for region, region_name, dep, dep_name in lines:
            counts = france if region == "99" else totals[dep]
            for profession, label in AMELI_PROFESSIONS.items():
                shares = FRANCE_GP_AGES.copy()
                if dep in ageing:
                    shares[8:] *= ageing[dep] + (year - YEAR) * shift[dep]
                shares = shares / shares.sum()
                total = counts[profession]
                women_share = 0.52 if profession == "general_practitioner" else 0.6
                by_age = np.round(shares * total).astype(int)
                by_age[6] += total - by_age.sum()
                sex_rows = []
                for (code, age_label), n in zip(AMELI_AGES, by_age):
                    f = int(round(n * women_share))
                    sex_rows += [(code, age_label, "hommes", n - f), (code, age_label, "femmes", f)]
                sex_rows += [
                    ("tout_age", "Tout âge", "hommes", int(total - round(total * women_share))),
                    ("tout_age", "Tout âge", "femmes", int(round(total * women_share))),
                    ("tout_age", "Tout âge", "tout sexe", int(total)),
                ]
                for code, age_label, sex, n in sex_rows:
                    rows.append(
                        (year, label, region, region_name, dep, dep_name, code, age_label, sex, n, "", "", "", "")
                    )
    columns = [
        "annee",
        "profession_sante",
        "region",
        "libelle_region",
        "departement",
        "libelle_departement",
        "classe_age",
        "libelle_classe_age",
        "libelle_sexe",
        "effectif",
        "densite",
        "vision_generale_all",
        "vision_generale_prescriptions",
        "vision_profession_territoire",
    ]
    out = pd.DataFrame(rows, columns=columns)
    # the « tout sexe » total must equal the crossed rows: recompute it from them
    crossed = (
        out[(out.classe_age != "tout_age")]
        .groupby(["annee", "profession_sante", "departement", "region"])["effectif"]
        .sum()
    )
    key = pd.MultiIndex.from_frame(out[["annee", "profession_sante", "departement", "region"]])
    total = (out.classe_age == "tout_age") & (out.libelle_sexe == "tout sexe")
    out.loc[total, "effectif"] = crossed.reindex(key[total]).to_numpy()
    return out


def zoning(apl_like: pd.Series, zones: pd.DataFrame, fragile: str) -> pd.DataFrame:
    """The ARS zoning: ZIP for the fragile bassin de vie and the 8 communes of lowest GP supply elsewhere, ZAC for
    the next sixth of the communes, the others out of the zoning."""
    bassin = zones.set_index("CODGEO")["BV2022"]
    rest = apl_like.drop(bassin.index[bassin == fragile], errors="ignore").sort_values(kind="stable")
    zip_ = bassin.index[bassin == fragile].union(rest.index[:8])
    zac = rest.index[8 : 8 + len(rest) // 6]
    labels = pd.Series("Hors zonage", index=bassin.index)
    labels[zac] = "Zone d'action complémentaire (ZAC)"
    labels[zip_] = "Zone d'intervention prioritaire (ZIP)"
    return pd.DataFrame({"commune": labels.index, "zonage": labels.to_numpy()}).sort_values("commune")


def write_primary_care(
    out: Path,
    com: pd.DataFrame,
    pop: pd.DataFrame,
    fr: pd.DataFrame,
    outlines: dict,
    finess_lines: list[str],
    seed: int,
) -> None:
    """Every file of the family, and the table d'appartenance again with its BV2022, ZE2020 and LIBZE2020."""
    rng = np.random.default_rng(seed + SEED_OFFSET)
    latest = pop[pop["annee"] == YEAR]
    people = latest.groupby("CODGEO")["NB"].sum()
    women = latest[(latest.SEXE == "F") & latest.AGE5.isin([f"{a:02d}-{a + 4:02d}" for a in range(15, 50, 5)])]
    women = women.groupby("CODGEO")["NB"].sum()
    zones = zonages(com, people, commune_points(outlines))
    fragile = rural_bassin(zones, people, com)
    table = com[["CODGEO", "LIBGEO", "DEP", "LIBDEP", "REG", "LIBREG", "EPCI", "LIBEPCI"]].merge(zones, on="CODGEO")
    write(table, out / "table-appartenance-geo-communes-2024.csv")

    sites = practitioners(com, people, women, zones, fragile, rng)
    finess_sites = [line.split(";")[1] for line in finess_lines if line.startswith("structureet;")]
    lines = rpps_lines(sites, com, finess_sites, rng)
    folder = out / "professionnels"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"PS_LibreAcces_Personne_activite_{EXTRACTION}.txt").write_text(
        HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    france = france_practitioners(fr)
    write(france, folder / f"professionnels_sante_france_{YEAR}.csv")
    share = 1 / sites.groupby("pid")["commune"].transform("count")
    liberal = sites[sites["mode"] == "L"].assign(practitioners=share, departement=sites["commune"].str[:3])
    fr_counts = {
        FRENCH_INV[p]: n
        for p, m, n in france[france["mode"] == "libéral"][["profession", "mode", "effectif"]].itertuples(index=False)
    }
    write(ameli_rows(liberal, fr_counts, com), folder / "demographie-effectifs-et-les-densites.csv")
    gps = liberal[liberal["profession"] == "general_practitioner"].groupby("commune")["practitioners"].sum()
    per_head = (
        (gps.reindex(people.index).fillna(0) / people).groupby(zones.set_index("CODGEO")["BV2022"]).transform("mean")
    )
    write(zoning(per_head, zones, fragile), folder / "zonage_medecins_ars_96.csv")


FRENCH_INV = {v: k for k, v in FRENCH.items()}


def write(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, sep=";", index=False, lineterminator="\n")
