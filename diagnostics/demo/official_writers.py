"""Writers of the official file layouts, for the official-format demo, the tests and the benchmarks.

They produce files byte-compatible with what INSEE, FINESS and CNAM publish, so that the readers of
``diagnostics.sources`` are exercised on the real layouts without shipping real (personal) data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def death_record(
    name: str,
    sex: int,
    birth: str,
    birth_place: str,
    death: str,
    death_place: str,
    act: str,
    birth_commune: str = "",
    birth_country: str = "",
) -> str:
    """One line of the INSEE fichier des personnes décédées (176 characters, no newline)."""
    return (
        f"{name:<80.80}{sex:1d}{birth:8.8}{birth_place:<5.5}{birth_commune:<30.30}{birth_country:<30.30}"
        f"{death:8.8}{death_place:<5.5}{act:<9.9}"
    )


def death_records(rng: np.random.Generator, communes, years, sexes, ages, first_act: int = 0) -> list[str]:
    """Fictional records (names ``NOMn*PRENOM``) of deaths at exactly the given ages, places and years."""
    n = len(ages)
    dm = rng.integers(1, 13, n)
    dd = rng.integers(1, 29, n)
    bm = 1 + rng.integers(0, 12, n) % dm  # birthday on or before the day of death: age is exact
    bd = np.where(bm == dm, 1, rng.integers(1, 29, n))
    return [
        death_record(
            f"NOM{first_act + i}*PRENOM{sex}/",
            int(sex),
            f"{int(y) - int(a):04d}{bm[i]:02d}{bd[i]:02d}",
            "99999",
            f"{int(y):04d}{dm[i]:02d}{dd[i]:02d}",
            str(c),
            f"{(first_act + i) % 10**9:09d}",
        )
        for i, (c, y, sex, a) in enumerate(zip(communes, years, sexes, ages))
    ]


def _bands_by_code(population, level_code, year, sex) -> list[float]:
    from diagnostics.config import AGE_BANDS

    sub = population[(population["code"] == level_code) & (population["year"] == year) & (population["sex"] == sex)]
    values = sub.set_index("age_band")["population"].reindex(AGE_BANDS).fillna(0)
    return [int(round(v)) for v in values]


def estimated_population_workbook(path, population, names: dict[str, str]) -> None:
    """INSEE ``estim-pop-dep-sexe-aq`` workbook from ``level, code, year, sex, age_band, population``
    (``DEP`` rows and one ``FRANCE`` row per year): sheet « À savoir », then one sheet per year,
    most recent first, with INSEE's title rows, headers, total rows and footnote."""
    import openpyxl

    from diagnostics.config import AGE_BANDS

    wb = openpyxl.Workbook()
    wb.active.title = "À savoir"
    wb.active["A1"] = "Estimations de population : à savoir"
    labels = [f"{b[:2].lstrip('0') or '0'} à {int(b[3:]):d} ans" if "-" in b else "95 ans et plus" for b in AGE_BANDS]
    deps = population[population["level"] == "DEP"]
    for year in sorted(population["year"].unique(), reverse=True):
        ws = wb.create_sheet(str(year))
        ws.append(["Estimation de population au 1er janvier, par département, sexe et âge quinquennal"])
        ws.append([f"Année {year}"])
        ws.append([])
        ws.append(["Départements", None, "Ensemble"] + [None] * 20 + ["Hommes"] + [None] * 20 + ["Femmes"])
        ws.append([None, None] + (labels + ["Total"]) * 3)

        def row(first, second, code, year=year, ws=ws):
            men, women = _bands_by_code(population, code, year, "M"), _bands_by_code(population, code, year, "F")
            both = [m + w for m, w in zip(men, women)]
            ws.append([first, second] + both + [sum(both)] + men + [sum(men)] + women + [sum(women)])

        for code in sorted(deps["code"].unique()):
            row(int(code) if code.startswith("97") else code, names.get(code, code) + " ", code)
        row("France métropolitaine et DOM", None, "FRANCE")
        ws.append([])
        ws.append(["Source : Insee - Estimations de population (résultats provisoires arrêtés fin 2023)."])
    wb.save(path)


def appartenance_workbook(path, communes, arrondissements=None, with_labels: bool = False) -> None:
    """INSEE ``table-appartenance-geo-communes-AAAA.xlsx``: sheets COM (and ARM), header on row 6.

    ``with_labels`` adds LIBDEP, LIBREG and LIBEPCI (names the COG cannot give for a fictional région)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "COM"
    for line in ["Table d'appartenance géographique des communes au 1er janvier", "", "Source : Insee, COG", "", ""]:
        ws.append([line])
    columns = ["CODGEO", "LIBGEO", "DEP", "REG", "EPCI", "NATURE_EPCI", "ARR", "CV", "ZE2020", "UU2020", "BV2022"]
    zone_names = with_labels and "zone_emploi_name" in communes  # bassins de vie, zones d'emploi (issue 18)
    ws.append(
        columns + (["LIBDEP", "LIBREG", "LIBEPCI"] if with_labels else []) + (["LIBZE2020"] if zone_names else [])
    )
    for r in communes.itertuples():
        labels = [r.departement_name, r.region_name, r.epci_name] if with_labels else []
        labels += [r.zone_emploi_name] if zone_names else []
        ws.append(
            [
                r.commune,
                r.commune_name,
                r.departement_code,
                r.region_code,
                r.epci_code or "ZZZZZZZZZ",
                "CC",
                r.departement_code + "1",
                r.departement_code + "01",
                getattr(r, "zone_emploi", None) or "0001",
                r.commune[:2] + "000",
                getattr(r, "bassin_de_vie", None) or r.commune,
            ]
            + labels
        )
    if arrondissements is not None:
        arm = wb.create_sheet("ARM")
        for line in ["Arrondissements municipaux", "", "", "", ""]:
            arm.append([line])
        arm.append(["CODGEO", "LIBGEO", "COM", "DEP", "REG", "EPCI"])
        for r in arrondissements.itertuples():
            arm.append([r.alias, r.name, r.commune, r.commune[:2], "", ""])
    wb.save(path)


def census_long_csv(path, census) -> None:
    """INSEE ``BTT_TD_POP1B_AAAA.csv`` from ``commune, sex, age, population`` (single years of age)."""
    lines = ["NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB"]
    for r in census.itertuples():
        lines.append(
            f"COM;{r.commune};Commune {r.commune};{1 if r.sex == 'M' else 2};{int(r.age):03d};{r.population:.5f}"
        )
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")


R_FILE_COLUMNS = [
    "sns_date",
    "serie",
    "l_serie",
    "prs_nat",
    "l_prs_nat",
    "asu_nat",
    "l_asu_nat",
    "ben_qlt",
    "l_ben_qlt",
    "cpam",
    "l_cpam",
    "dpt",
    "l_dpt",
    "region",
    "l_region",
    "exe_spe",
    "l_exe_spe",
    "exe_spe1",
    "l_exe_spe1",
    "exe_stj1",
    "l_exe_stj1",
    "pre_spe",
    "l_pre_spe",
    "pre_spe1",
    "l_pre_spe1",
    "pre_stj1",
    "l_pre_stj1",
    "cpl_cod",
    "l_cpl_cod",
    "top_slm",
    "l_top_slm",
    "act_dnb",
    "act_coe",
    "rec_mon",
    "rem_mon",
    "dep_mon",
    "rem_tau",
    "l_fac_top",
    "PRS_FAC_TOP",
]


def r_file_csv(path, rows: pd.DataFrame) -> None:
    """A Cnam monthly R file (``;``, decimal comma, every axis column) from ``sns_date, serie, dpt, rem_mon``
    rows; gzip-compressed when ``path`` ends in ``.gz``."""
    import gzip

    lines = [";".join(R_FILE_COLUMNS)]
    for r in rows.itertuples():
        values = dict.fromkeys(R_FILE_COLUMNS, "0")
        values.update(
            sns_date=r.sns_date,
            serie=r.serie,
            dpt=r.dpt,
            l_dpt=f"{r.dpt}-Département",
            l_serie="Série",
            rem_mon=f"{r.rem_mon:.2f}".replace(".", ","),
            rec_mon=f"{abs(r.rem_mon) * 1.3:.2f}".replace(".", ","),
            l_cpam="011-Caisse",
            asu_nat="1",
            l_asu_nat="Maladie",
        )
        lines.append(";".join(values[c] for c in R_FILE_COLUMNS))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path = Path(path)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def rniam_csv(path, insured: pd.DataFrame) -> None:
    """The RNIAM protected-population extract (``l_dpt,dpt,`` then 19 age columns for men and 19 for women
    suffixed ``.1``) from ``departement_code, sex, age_band, insured`` with bands ``00-04`` … ``90+``."""
    from diagnostics.sources.cnam_reimbursements import RNIAM_AGE_BANDS, RNIAM_BANDS

    header = ["l_dpt", "dpt"] + RNIAM_BANDS + [f"{b}.1" for b in RNIAM_BANDS]
    lines = [",".join(header)]
    table = insured.set_index(["departement_code", "sex", "age_band"])["insured"]
    for dep in sorted(insured["departement_code"].unique()):
        values = [f"{float(table.get((dep, sex, band), 0)):.1f}" for sex in ("M", "F") for band in RNIAM_AGE_BANDS]
        lines.append(",".join([f"{dep}-Département {dep}", dep] + values))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def admin_express_shapefile(path, outlines: pd.DataFrame) -> None:
    """IGN ADMIN EXPRESS-style ``COMMUNE.shp`` (+ .shx, .dbf, .prj, .cpg) in Lambert-93 from
    ``code, name, geometry`` (shapely, longitude / latitude)."""
    import shapefile
    import shapely
    from pyproj import CRS, Transformer

    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    path = Path(path)
    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field("ID", "C", size=24)
        w.field("NOM", "C", size=80)
        w.field("INSEE_COM", "C", size=5)
        for r in outlines.itertuples():
            geom = shapely.transform(r.geometry, lambda xy: np.column_stack(to_l93.transform(xy[:, 0], xy[:, 1])))
            polygons = getattr(geom, "geoms", [geom])
            rings = []
            for p in polygons:  # shapefile: outer rings clockwise, holes counter-clockwise
                rings.append(list(shapely.geometry.polygon.orient(p, sign=-1.0).exterior.coords))
                rings += [list(i.coords) for i in shapely.geometry.polygon.orient(p, sign=-1.0).interiors]
            w.poly(rings)
            w.record(f"COMMUNE_{r.code}", r.name, r.code)
    path.with_suffix(".prj").write_text(CRS.from_epsg(2154).to_wkt("WKT1_ESRI"))
    path.with_suffix(".cpg").write_text("UTF-8")
