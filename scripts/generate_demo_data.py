"""Generate the fictional demo region (Région de Val-Brumeux) in official file layouts.

Deterministic (seeded): running it twice gives byte-identical files. Orders of magnitude follow
real France (crude mortality ≈ 900 / 100 000, CSS ≈ 8 %, reimbursed spending ≈ 1 850 € per
inhabitant, ≈ 100 EHPAD places per 1 000 aged 75+) with real heterogeneity between territories.

    python scripts/generate_demo_data.py [OUTPUT_DIR]     (default data/raw/demo)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from demo_primary_care import write_primary_care  # noqa: E402 - scripts/ is the script's folder
from demo_social import write_social_files  # social context (issue 19)

from diagnostics.sources.care_spending import spending_band_of

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo_health  # noqa: E402 - issue 17, beside this script

SEED = 20240117
YEARS = list(range(2018, 2024))
BANDS = [f"{a:02d}-{a + 4:02d}" for a in range(0, 95, 5)] + ["95+"]

# France, 2020, thousands per sex and 5-year band (INSEE estimates, rounded).
FR_POP_M = [
    1850,
    2000,
    2100,
    2100,
    1900,
    1850,
    1950,
    2050,
    2050,
    2200,
    2150,
    2100,
    1950,
    1850,
    1600,
    1050,
    800,
    500,
    200,
    40,
]
FR_POP_F = [
    1770,
    1900,
    2000,
    2000,
    1850,
    1900,
    2050,
    2150,
    2100,
    2250,
    2250,
    2250,
    2100,
    2050,
    1850,
    1350,
    1150,
    900,
    500,
    150,
]
# France, ≈ 2019, deaths per 100 000 per sex and band.
FR_MORT_M = [85, 8, 10, 35, 60, 70, 85, 120, 180, 290, 470, 730, 1100, 1550, 2200, 3500, 6000, 11000, 20000, 35000]
FR_MORT_F = [70, 7, 8, 15, 22, 25, 35, 55, 90, 150, 240, 350, 520, 750, 1100, 1900, 3600, 7200, 14500, 29000]
# scaled so that French crude mortality is ≈ 900 per 100 000
YEAR_EFFECT = {y: 0.93 * e for y, e in {2018: 1.0, 2019: 0.99, 2020: 1.08, 2021: 1.04, 2022: 1.03, 2023: 0.98}.items()}

DEPARTEMENTS = [  # code, name, number of communes, mortality effect, precarity effect
    ("961", "Hautes-Brumes", 95, 0.12, 0.15),
    ("962", "Val-d'Ombrelune", 99, -0.06, -0.3),
    ("963", "Côtes-de-Nacre", 90, 0.02, -0.05),
]
REGION = ("96", "Région de Val-Brumeux (fictive)")
SYL1 = [
    "Bru",
    "Lun",
    "Nac",
    "Omb",
    "Fal",
    "Mor",
    "Vel",
    "Cor",
    "Gri",
    "Tal",
    "Bel",
    "Sor",
    "Pra",
    "Ver",
    "Cal",
    "Rou",
    "Mar",
    "Fer",
]
SYL2 = [
    "mont",
    "val",
    "ville",
    "court",
    "lieu",
    "bourg",
    "moux",
    "nelle",
    "lac",
    "chêne",
    "roche",
    "brie",
    "fontaine",
    "pré",
]
SUFFIX = ["", "", "", "-sur-Brume", "-le-Vieux", "-en-Ombre", "-les-Bains", "-la-Forêt", "-sur-Nacre", "-d'en-Haut"]

SPENDING_BANDS = ["0-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+"]
SPENDING_PER_HEAD = [700, 900, 1200, 1500, 2100, 3000, 4300, 6000]  # € per year, France
SPENDING_ITEMS = {"soins_de_ville": 0.30, "medicaments": 0.20, "hopital": 0.45, "autres": 0.05}

# FINESS category → (family, label, mean places, national places per 1000 of target population)
CATEGORIES = {
    "500": ("pa", "Etablissement d'hébergement pour personnes âgées dépendantes", 82, 97.0),
    "202": ("pa", "Résidence autonomie", 55, 18.0),
    "354": ("pa", "Service de soins infirmiers à domicile", 45, 19.5),
    "183": ("eh", "Institut médico-éducatif (I.M.E.)", 60, 4.9),
    "186": ("eh", "Institut thérapeutique éducatif et pédagogique (I.T.E.P.)", 35, 1.0),
    "182": ("eh", "Service d'éducation spéciale et de soins à domicile", 40, 3.4),
    "246": ("ah", "Etablissement et service d'aide par le travail (E.S.A.T.)", 70, 3.6),
    "255": ("ah", "Maison d'accueil spécialisée (M.A.S.)", 45, 0.9),
    "437": ("ah", "Foyer d'accueil médicalisé pour adultes handicapés (F.A.M.)", 35, 0.7),
    "382": ("ah", "Foyer de vie pour adultes handicapés", 35, 1.6),
    "446": ("ah", "Service d'accompagnement à la vie sociale (S.A.V.S.)", 40, 1.3),
}
TARGET = {"pa": "75+", "eh": "<20", "ah": "20-59"}


def france_reference(rng):
    rows = []
    for year in YEARS:
        growth = 1 + 0.003 * (year - 2020)
        for sex, pops, rates in (("M", FR_POP_M, FR_MORT_M), ("F", FR_POP_F, FR_MORT_F)):
            for i, band in enumerate(BANDS):
                # the population ages: older bands grow faster than younger ones
                pop = round(pops[i] * 1000 * growth * (1 + 0.012 * (i - 9) / 9 * (year - 2020)))
                deaths = round(pop * rates[i] / 1e5 * YEAR_EFFECT[year])
                rows.append((year, sex, band, pop, deaths))
    return pd.DataFrame(rows, columns=["annee", "sexe", "classe_age", "population", "deces"])


def commune_names(rng, n):
    names = set()
    while len(names) < n:
        names.add(rng.choice(SYL1) + rng.choice(SYL2) + rng.choice(SUFFIX))
    return sorted(names)


def communes(rng):
    rows = []
    names = iter(commune_names(rng, sum(d[2] for d in DEPARTEMENTS)))
    epci_no = 0
    for dep, dep_name, n, mort, prec in DEPARTEMENTS:
        sizes = np.round(rng.lognormal(mean=6.2, sigma=1.1, size=n)).astype(int) + 40
        sizes[0] = int(rng.integers(60_000, 90_000))  # préfecture
        sizes[1:4] = rng.integers(8_000, 20_000, size=3)
        sizes[-6:] = rng.integers(25, 90, size=6)  # very small villages
        n_epci = 5
        epci_of = np.sort(rng.integers(0, n_epci, size=n))
        epci_of[0] = 0
        for i in range(n):
            code = f"{dep}{i + 1:02d}"
            e = epci_no + int(epci_of[i])
            rows.append(
                dict(
                    CODGEO=code,
                    LIBGEO=next(names),
                    DEP=dep,
                    LIBDEP=dep_name,
                    REG=REGION[0],
                    LIBREG=REGION[1],
                    EPCI=f"2000{96000 + e:05d}",
                    size=int(sizes[i]),
                    mort=mort + rng.normal(0, 0.08) + (0.1 if e % 3 == 1 else 0),
                    prec=prec + rng.normal(0, 0.25) + (0.3 if i < 4 else 0),
                    aging=rng.normal(0.15 if sizes[i] < 2000 else -0.1, 0.15),
                )
            )
        epci_no += n_epci
    df = pd.DataFrame(rows)
    epci_names = {
        code: f"CC {'du Pays de ' if k % 2 else 'des '}{df.loc[df.EPCI == code, 'LIBGEO'].iloc[0]}"
        for k, code in enumerate(sorted(df.EPCI.unique()))
    }
    df["LIBEPCI"] = df.EPCI.map(epci_names)
    return df


def commune_population(rng, com, fr):
    fr20 = fr[fr.annee == 2020].set_index(["sexe", "classe_age"])["population"]
    rows = []
    ages = np.arange(len(BANDS))
    for c in com.itertuples():
        tilt = np.exp(c.aging * (ages - 9) / 9 * 1.5)
        for sex in ("M", "F"):
            shares = fr20.loc[sex].to_numpy() * tilt
            shares = shares / shares.sum()
            base = c.size / 2 * shares
            for y in YEARS:
                drift = 1 + 0.004 * (y - 2020) * (1 if c.size > 2000 else -1)
                pops = rng.poisson(base * drift * (1 + 0.01 * (ages - 9) / 9 * (y - 2020)))
                rows += [(c.CODGEO, c.LIBGEO, y, sex, BANDS[a], int(pops[a])) for a in ages]
    return pd.DataFrame(rows, columns=["CODGEO", "LIBGEO", "annee", "SEXE", "AGE5", "NB"])


def commune_deaths(rng, com, pop, fr):
    fr_rate = fr.assign(rate=fr.deces / fr.population).set_index(["annee", "sexe", "classe_age"])["rate"]
    p = pop.merge(com[["CODGEO", "mort", "prec"]], on="CODGEO")
    rate = fr_rate.reindex(pd.MultiIndex.from_arrays([p.annee, p.SEXE, p.AGE5])).to_numpy()
    premature = p.AGE5.isin(BANDS[:13]).to_numpy()
    effect = np.exp(p.mort + np.where(premature, 0.25 * p.prec, 0.05 * p.prec))
    deaths = rng.poisson(p.NB * rate * effect)
    out = p.assign(deces=deaths)[["CODGEO", "annee", "SEXE", "AGE5", "deces"]]
    out.columns = ["commune", "annee", "sexe", "classe_age", "deces"]
    return out[out.deces > 0]


def css(rng, com, pop, fr):
    tot = pop.groupby(["CODGEO", "annee"])["NB"].sum().reset_index()
    t = tot.merge(com[["CODGEO", "prec"]], on="CODGEO")
    nat = {y: 0.078 + 0.0025 * (y - 2018) for y in YEARS}
    rate = np.clip(t.annee.map(nat) * np.exp(t.prec * 0.9), 0.005, 0.4)
    t["nb"] = rng.binomial(t.NB, rate)
    rows = [("COM", r.CODGEO, r.annee, int(r.nb)) for r in t.itertuples()]
    fr_tot = fr.groupby("annee")["population"].sum()
    rows += [("FRANCE", "FRANCE", y, round(fr_tot[y] * nat[y])) for y in YEARS]
    return pd.DataFrame(rows, columns=["territoire_type", "territoire_code", "annee", "nb_beneficiaires_css"])


def spending(rng, com, pop, fr, year):
    fr_y = fr[fr.annee == year].assign(b=lambda d: d.classe_age.map(spending_band_of))
    fr_pop = fr_y.groupby("b")["population"].sum().reindex(SPENDING_BANDS)
    head = np.array(SPENDING_PER_HEAD, float)
    head *= 1850 / ((head * fr_pop.to_numpy()).sum() / fr_pop.sum())  # France mean: 1 850 €
    per_head = dict(zip(SPENDING_BANDS, head))
    nat = [
        (year, b, item, round(per_head[b] * fr_pop[b] * share), int(fr_pop[b]))
        for b in SPENDING_BANDS
        for item, share in SPENDING_ITEMS.items()
    ]
    p = pop[pop.annee == year].assign(b=lambda d: d.AGE5.map(spending_band_of))
    p = p.groupby(["CODGEO", "b"])["NB"].sum().reset_index().merge(com[["CODGEO", "mort", "prec"]], on="CODGEO")
    rows = []
    for r in p.itertuples():
        level = per_head[r.b] * np.exp(0.5 * r.mort + 0.06 * r.prec)
        for item, share in SPENDING_ITEMS.items():
            noise = rng.lognormal(0, 0.25 if r.NB < 200 else 0.06)
            rows.append((year, r.CODGEO, r.b, item, round(level * share * noise * r.NB, 2)))
    local = pd.DataFrame(rows, columns=["annee", "commune", "classe_age", "poste", "montant_rembourse"])
    national = pd.DataFrame(nat, columns=["annee", "classe_age", "poste", "montant_rembourse", "population"])
    return local, national


def finess(rng, com, pop, fr, year):
    p = pop[pop.annee == year]
    target_pop = {
        "75+": p[p.AGE5.isin(BANDS[15:])]["NB"].sum(),
        "<20": p[p.AGE5.isin(BANDS[:4])]["NB"].sum(),
        "20-59": p[p.AGE5.isin(BANDS[4:12])]["NB"].sum(),
    }
    weights = com.set_index("CODGEO")["size"].astype(float) ** 1.3
    et_lines, eq_lines, national = [], [], []
    fr_y = fr[fr.annee == year]
    fr_target = {
        "75+": fr_y[fr_y.classe_age.isin(BANDS[15:])]["population"].sum(),
        "<20": fr_y[fr_y.classe_age.isin(BANDS[:4])]["population"].sum(),
        "20-59": fr_y[fr_y.classe_age.isin(BANDS[4:12])]["population"].sum(),
    }
    serial = 0
    for cat, (fam, label, mean_places, nat_rate) in CATEGORIES.items():
        national.append((year, cat, round(nat_rate * fr_target[TARGET[fam]] / 1000)))
        # the région is a little under- or over-equipped depending on the category
        wanted = nat_rate * target_pop[TARGET[fam]] / 1000 * rng.uniform(0.8, 1.2)
        placed = 0
        while placed < wanted:
            commune = rng.choice(weights.index, p=weights / weights.sum())
            c = com.set_index("CODGEO").loc[commune]
            places = max(6, int(rng.normal(mean_places, mean_places / 4)))
            serial += 1
            # FINESS numbers: 2-character département + 7 digits
            et = f"{commune[:2]}{serial:07d}"
            ej = f"{commune[:2]}{serial + 5000:07d}"
            name = f"{label.split('(')[0].split(' pour ')[0][:28].upper()} {c.LIBGEO.upper()}"
            fields = [
                "structureet",
                et,
                ej,
                name,
                name,
                "",
                "",
                str(rng.integers(1, 80)),
                "R",
                "DES " + rng.choice(["TILLEULS", "LILAS", "ORMES", "GLYCINES", "CEDRES"]),
                "",
                "",
                commune[2:],
                commune[:2],
                c.LIBDEP.upper(),
                f"{commune}0 {c.LIBGEO.upper()}",
                "",
                "",
                cat,
                label,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "2001-01-01",
                "2001-01-01",
                "2023-06-30",
                "",
            ]
            et_lines.append(";".join(fields))
            closed = rng.random() < 0.03  # a few suppressed installations: must not count
            eq = [
                "equipementsocial",
                et,
                "924",
                "Accueil",
                "11",
                "Hébergement Complet Internat",
                "711",
                "Personnes Agées dépendantes",
                "1",
                str(places),
                "",
                "",
                "",
                "",
                "",
                "O" if closed else "N",
                "2010-01-01",
                "2001-01-01",
                str(places),
                "",
                "",
                "",
                "",
                "",
                "N",
                "2001-01-01",
                "2023-06-30",
                "2023-06-30",
            ]
            eq_lines.append(";".join(eq))
            if not closed:
                placed += places
    return et_lines, eq_lines, pd.DataFrame(national, columns=["annee", "categorie", "places"])


def territories(com):
    by_dep = {d: com[com.DEP == d] for d, *_ in DEPARTEMENTS}
    rows = [(f"DEP-{d}", name, "département", f"DEP:{d}") for d, name, *_ in DEPARTEMENTS]
    epcis = {d: sorted(c.EPCI.unique()) for d, c in by_dep.items()}
    halves = {d: (e[:3], e[3:]) for d, e in epcis.items()}

    def spec(*lists):
        return " ".join(f"EPCI:{e}" for lst in lists for e in lst)

    rows += [  # territoires de santé may straddle départements
        ("TS-NORD", "Territoire de santé des Brumes du Nord", "territoire de santé", spec(epcis["961"][:3])),
        (
            "TS-CENTRE",
            "Territoire de santé Centre-Ombrelune",
            "territoire de santé",
            spec(epcis["961"][3:], epcis["962"][:2]),
        ),
        ("TS-SUD", "Territoire de santé Ombrelune-Sud", "territoire de santé", spec(epcis["962"][2:])),
        ("TS-LITTORAL", "Territoire de santé Nacre-Littoral", "territoire de santé", spec(epcis["963"])),
    ]
    for d in ("961", "962", "963"):
        e = halves[d][1][0]
        name = com.loc[com.EPCI == e, "LIBEPCI"].iloc[0]
        rows.append((e, name, "EPCI", f"EPCI:{e}"))
    cls = by_dep["961"].sort_values("size").iloc[[0, 1, 2, 5, 8, 13, 21, 34, 55, 70, 90]]
    rows.append(("CLS-BRUMES", "CLS du Pays des Hautes-Brumes", "contrat local de santé", " ".join(sorted(cls.CODGEO))))
    tiny = by_dep["962"].sort_values("size").iloc[:4]  # a few hundred inhabitants: exercises the secret statistique
    rows.append(("CLS-VALLONS", "CLS des Hauts-Vallons", "contrat local de santé", " ".join(sorted(tiny.CODGEO))))
    asv = by_dep["963"].sort_values("size", ascending=False).iloc[[0, 2]]
    rows.append(("ASV-NACRE", "ASV de l'agglomération de Nacre", "atelier santé ville", " ".join(sorted(asv.CODGEO))))
    return pd.DataFrame(rows, columns=["code", "nom", "type", "communes"])


def _outline(rng, radius=80_000.0, centre=(150_000.0, 6_600_000.0)):
    """The région's fictional coastline (Lambert-93 metres, in the Atlantic off France: no real place)."""
    from shapely.geometry import Polygon

    theta = np.linspace(0, 2 * np.pi, 160, endpoint=False)
    phase = rng.uniform(0, 2 * np.pi, 3)
    r = radius * (
        1
        + 0.12 * np.sin(3 * theta + phase[0])
        + 0.07 * np.sin(5 * theta + phase[1])
        + 0.04 * np.sin(9 * theta + phase[2])
    )
    return Polygon(np.column_stack([centre[0] + r * np.cos(theta), centre[1] + 0.9 * r * np.sin(theta)]))


def _seeds(rng, outline, n):
    """``n`` evenly spread points inside the outline (jittered grid, spacing found by bisection)."""
    import shapely

    x0, y0, x1, y1 = outline.bounds
    lo, hi, best = 1_000.0, 50_000.0, None
    for _ in range(40):
        step = (lo + hi) / 2
        xs, ys = np.meshgrid(np.arange(x0, x1, step), np.arange(y0, y1, step * 0.87))
        xs = xs + (np.arange(xs.shape[0])[:, None] % 2) * step / 2
        pts = np.column_stack([xs.ravel(), ys.ravel()]) + rng.uniform(-0.3, 0.3, (xs.size, 2)) * step
        inside = pts[shapely.contains_xy(outline, pts[:, 0], pts[:, 1])]
        if len(inside) >= n:
            lo, best = step, inside
        else:
            hi = step
    return best[np.sort(rng.choice(len(best), n, replace=False))]


def _partition(pts, idx, groups, split=None):
    """Points ``idx`` cut into compact blocks of the groups' sizes, by recursive bisection: north / south
    first (at ``split`` groups), then along the longer side."""
    if len(groups) == 1:
        return {groups[0][0]: idx}
    xy = pts[idx]
    span = xy.max(axis=0) - xy.min(axis=0)
    along = -xy[:, 1] if split is not None or span[1] >= span[0] else xy[:, 0]
    split = split or (len(groups) + 1) // 2
    first = sum(n for _, n in groups[:split])
    order = idx[np.argsort(along, kind="stable")]
    return {**_partition(pts, order[:first], groups[:split]), **_partition(pts, order[first:], groups[split:])}


def commune_outlines(com: pd.DataFrame, terr: pd.DataFrame) -> dict:
    """A fictional map of the région, as a GeoJSON FeatureCollection (longitude / latitude, WGS 84):
    Côtes-de-Nacre on the west coast, Hautes-Brumes in the north-east, Val-d'Ombrelune in the south-east;
    each département's EPCI in bands from north to south (so that the territoires de santé are in one
    piece) and the communes of the CLS and ASV side by side at the east end of their EPCI."""
    import shapely
    from pyproj import Transformer

    rng = np.random.default_rng(SEED + 1)
    outline = _outline(rng)
    pts = _seeds(rng, outline, len(com))
    deps = {d: n for d, _, n, *_ in DEPARTEMENTS}
    by_x = np.argsort(pts[:, 0], kind="stable")
    west, east = by_x[: deps["963"]], by_x[deps["963"] :]
    east = east[np.argsort(-pts[east, 1], kind="stable")]
    groups = {"963": west, "961": east[: deps["961"]], "962": east[deps["961"] :]}
    in_contract = {c for spec in terr.loc[~terr["code"].str.match(r"^(DEP|TS)-|^\d"), "communes"] for c in spec.split()}
    where = {}
    first_split = {"961": 3, "962": 2, "963": 3}  # the territoires de santé's EPCI (see territories)
    for dep, idx in groups.items():
        members = dict(list(com[com.DEP == dep].groupby("EPCI", sort=True)))
        for epci, block in _partition(pts, idx, [(e, len(m)) for e, m in members.items()], first_split[dep]).items():
            block = block[np.argsort(-pts[block, 0], kind="stable")]
            ordered = sorted(members[epci].CODGEO, key=lambda c: (c not in in_contract, c))
            where.update(zip(ordered, block))
    cells = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=outline.buffer(50_000))
    cells = {i: cell for cell in cells.geoms for i in np.flatnonzero(shapely.contains_xy(cell, pts[:, 0], pts[:, 1]))}
    to_lonlat = Transformer.from_crs(2154, 4326, always_xy=True)
    features = []
    for r in com.sort_values("CODGEO").itertuples():
        cell = cells[where[r.CODGEO]].intersection(outline)
        cell = shapely.transform(cell, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
        geo = shapely.geometry.mapping(shapely.set_precision(cell, 1e-5))
        features.append({"type": "Feature", "properties": {"code": r.CODGEO, "nom": r.LIBGEO}, "geometry": geo})
    return {"type": "FeatureCollection", "features": features}


def geolocalisation_lines(et_lines: list[str], outlines: dict) -> list[str]:
    """FINESS section 2 (cs1100507): each establishment at a point of its commune, in Lambert-93 metres."""
    import shapely
    from pyproj import Transformer

    rng = np.random.default_rng(SEED + 2)
    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    where = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in outlines["features"]}
    lines = []
    for line in et_lines:
        fields = line.split(";")
        cell = where[fields[13] + fields[12]]
        x0, y0, x1, y1 = cell.bounds
        while True:
            lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if cell.contains(shapely.Point(lon, lat)):
                break
        x, y = to_l93.transform(lon, lat)
        lines.append(
            f"geolocalisation;{fields[1]};{x:.1f};{y:.1f};1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole);"
            "2023-06-30"
        )
    return lines


def write_csv(df: pd.DataFrame, path: Path, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, sep=";", index=False, lineterminator="\n", **kw)


def main(out: Path):
    rng = np.random.default_rng(SEED)
    fr = france_reference(rng)
    com = communes(rng)
    pop = commune_population(rng, com, fr)
    write_csv(
        fr.rename(columns={"population": "population", "deces": "deces"}),
        out / "france" / "france_population_deces.csv",
    )
    write_csv(
        com[["CODGEO", "LIBGEO", "DEP", "LIBDEP", "REG", "LIBREG", "EPCI", "LIBEPCI"]],
        out / "table-appartenance-geo-communes-2024.csv",
    )
    for y in YEARS:
        py = pop[pop.annee == y].drop(columns="annee").assign(NIVGEO="COM")
        write_csv(
            py[["NIVGEO", "CODGEO", "LIBGEO", "SEXE", "AGE5", "NB"]],
            out / "population" / f"population_communes_sexe_age5_{y}.csv",
        )
    write_csv(commune_deaths(rng, com, pop, fr), out / "deces" / f"deces_domicile_communes_{YEARS[0]}-{YEARS[-1]}.csv")
    write_csv(css(rng, com, pop, fr), out / "css" / "beneficiaires_css.csv")
    local, national = spending(rng, com, pop, fr, YEARS[-1])
    write_csv(local, out / "depenses" / f"depenses_remboursees_communes_{YEARS[-1]}.csv")
    write_csv(national, out / "france" / f"depenses_remboursees_france_{YEARS[-1]}.csv")
    et, eq, nat = finess(rng, com, pop, fr, YEARS[-1])
    write_csv(nat, out / "france" / f"places_medico_sociales_france_{YEARS[-1]}.csv")
    terr = territories(com)
    write_csv(terr, out / "territoires.csv")
    # contracts and targets of some demo territories: each status of the regional overview, and targets that
    # the reports follow (a significant rise against a « baisse », no significant change, not yet comparable)
    write_csv(
        pd.DataFrame(
            [
                ("CLS-BRUMES", "CLS", "signé", "01/06/2021", "31/05/2026"),
                ("CLS-VALLONS", "CLS", "en cours d'élaboration", "", ""),
                ("ASV-NACRE", "ASV", "signé", "15/01/2019", "14/01/2024"),
                ("TS-SUD", "CLSM", "intention", "", ""),
                ("200096003", "CLS", "échu", "01/09/2016", "31/08/2021"),
            ],
            columns=["territoire", "contrat", "statut", "debut", "fin"],
        ),
        out / "contrats.csv",
    )
    write_csv(
        pd.DataFrame(
            [
                ("CLS-BRUMES", "css_rate", "2018", "baisse", 2025),
                ("CLS-BRUMES", "mortality_icm_trend", "2018-2020", "115", 2026),
                ("ASV-NACRE", "css_rate", "2018", "9,5", 2023),
                ("ASV-NACRE", "premature_mortality_icm", "2019-2023", "baisse", 2028),
            ],
            columns=["territoire", "indicateur", "periode_reference", "cible", "echeance"],
        ),
        out / "objectifs.csv",
    )
    outlines = commune_outlines(com, terr)
    (out / "geo").mkdir(parents=True, exist_ok=True)
    (out / "geo" / "communes-val-brumeux.geojson").write_text(
        json.dumps(outlines, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    establishments = et + geolocalisation_lines(et, outlines)
    for name, lines in (
        ("etalab-cs1100507-stock-20240110-0336.csv", establishments),
        ("etalab-cs1100505-stock-20240110-0344.csv", eq),
    ):
        (out / "finess").mkdir(parents=True, exist_ok=True)
        text = "finess;etalab;2.0;2024-01-10\n" + "\n".join(lines) + "\n"
        (out / "finess" / name).write_bytes(text.encode("latin-1"))
    write_primary_care(out, com, pop, fr, outlines, et, SEED)  # offre de soins de premier recours (issue 18)
    demo_health.main(out, com, fr, SEED)  # issue 17: deaths by cause (after every other draw)
    write_social_files(out, com, pop, fr, SEED + 19)  # census bases and Filosofi (issue 19)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "data" / "raw" / "demo")
