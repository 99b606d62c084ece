"""Official-format writers of the health-status family (issue 17): the CépiDc portal's export of deaths by
cause (chapters of the European shortlist, ten-year age classes, by département of residence and France
entière) and the CSV edition of INSEE's deaths file (``Deces_AAAA.csv``) from fixed-width records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# CépiDc list, level 1 (chapters of the European shortlist): key, first and last ICD-10 category, label
CHAPTERS = [
    ("1", "A00", "B99", "Certaines maladies infectieuses et parasitaires"),
    ("2", "C00", "D48", "Tumeurs"),
    ("3", "D50", "D89", "Maladies du sang et des organes hématopoïétiques et certains troubles du système immunitaire"),
    ("4", "E00", "E90", "Maladies endocriniennes, nutritionnelles et métaboliques"),
    ("5", "F00", "F99", "Troubles mentaux et du comportement"),
    ("6", "G00", "H95", "Maladies du système nerveux et des organes des sens"),
    ("7", "I00", "I99", "Maladies de l'appareil circulatoire"),
    ("8", "J00", "J99", "Maladies de l'appareil respiratoire"),
    ("9", "K00", "K93", "Maladies de l'appareil digestif"),
    ("10", "L00", "L99", "Maladies de la peau et du tissu cellulaire sous-cutané"),
    ("11", "M00", "M99", "Maladies du système ostéo-articulaire, des muscles et du tissu conjonctif"),
    ("12", "N00", "N99", "Maladies de l'appareil génito-urinaire"),
    ("13", "O00", "O99", "Complications de grossesse, accouchement et puerpéralité"),
    ("14", "P00", "P96", "Certaines affections dont l'origine se situe dans la période périnatale"),
    ("15", "Q00", "Q99", "Malformations congénitales et anomalies chromosomiques"),
    ("16", "R00", "R99", "Symptômes, signes et états morbides mal définis"),
    ("17", "V01", "Y89", "Causes externes de blessures et d'empoisonnements"),
    ("18", "U07", "U10", "Covid-19"),
]
TEN_YEAR = [
    (5, "5-14"),
    (15, "15-24"),
    (25, "25-34"),
    (35, "35-44"),
    (45, "54"),
    (55, "55-64"),
    (65, "65-74"),
    (75, "75-84"),
    (85, "85-94"),
    (95, "95p"),
]
INFANT_SHARE = 0.8  # of the 0-4 deaths, under one year (the portal's « < 1 » and « 1-4 »)
CEPIDC_HEADER = [
    "annee_de_deces",
    "departement_de_domicile",
    "sexe",
    "classe_d_age_de_10_ans",
    "cause_initiale_de_deces",
    "effectif_de_deces",
]
CSV_EDITION_HEADER = [
    "nomprenom",
    "sexe",
    "datenaiss",
    "lieunaiss",
    "commnaiss",
    "paysnaiss",
    "datedeces",
    "lieudeces",
    "actedeces",
]
FIXED_WIDTH = [(0, 80), (80, 81), (81, 89), (89, 94), (94, 124), (124, 154), (154, 162), (162, 167), (167, 176)]


def chapter_of(codes: pd.Series) -> pd.Series:
    """« 7. Maladies de l'appareil circulatoire » for ``I21``, ``I21.9``…"""
    head = codes.str[:3]
    out = pd.Series(None, index=codes.index, dtype=object)
    for key, first, last, label in CHAPTERS:
        out[(head >= first) & (head <= last)] = f"{key}. {label}"
    return out


def _ten_year_class(bands: pd.Series) -> pd.Series:
    lower = bands.str[:2].astype(int)
    labels = {lo: ("45-54" if lab == "54" else lab) for lo, lab in TEN_YEAR}
    starts = np.array([lo for lo, _ in TEN_YEAR])
    return lower.map(lambda a: labels[starts[starts <= a].max()] if a >= 5 else "0-4")


def cepidc_export(causes: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The portal's table (one row per cell) from tidy deaths by cause (``level``, ``code``, ``year``, ``sex``,
    ``age_band``, ``cause``, ``deaths``) of communes and France: départements of residence « 961 - Hautes-Brumes »
    and « France entière », the 18 chapters, ten-year classes with « < 1 » and « 1-4 »."""
    d = causes.assign(
        area=np.where(
            causes["level"] == "FRANCE",
            "France entière",
            causes["code"].str[:3].map(lambda c: f"{c} - {names.get(c, c)}"),
        ),
        chapter=chapter_of(causes["cause"]),
        age=_ten_year_class(causes["age_band"]),
    )
    d = d.groupby(["year", "area", "sex", "age", "chapter"], as_index=False)["deaths"].sum()
    young = d[d["age"] == "0-4"]
    infants = np.round(young["deaths"] * INFANT_SHARE).astype(int)
    d = pd.concat(
        [
            d[d["age"] != "0-4"],
            young.assign(age="< 1", deaths=infants),
            young.assign(age="1-4", deaths=young["deaths"] - infants),
        ],
        ignore_index=True,
    )
    order = {
        lab: i
        for i, lab in enumerate(
            ["< 1", "1-4", "5-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85-94", "95p"]
        )
    }
    d = d.assign(o=d["age"].map(order), c=d["chapter"].str.split(".").str[0].astype(int))
    d = d.sort_values(["year", "area", "sex", "o", "c"], kind="stable")
    return pd.DataFrame(
        {
            "annee_de_deces": d["year"],
            "departement_de_domicile": d["area"],
            "sexe": d["sex"].map({"M": "Hommes", "F": "Femmes"}),
            "classe_d_age_de_10_ans": d["age"],
            "cause_initiale_de_deces": d["chapter"],
            "effectif_de_deces": d["deaths"].astype(int),
        }
    )


def deaths_csv_edition(lines: list[str]) -> bytes:
    """INSEE's CSV edition of fixed-width records: BOM, ``;``, every field quoted, CRLF line ends."""

    def quoted(values):
        return ";".join('"' + v.replace('"', '""') + '"' for v in values)

    rows = [quoted(CSV_EDITION_HEADER)]
    rows += [quoted([line[a:b].strip() for a, b in FIXED_WIDTH]) for line in lines]
    return b"\xef\xbb\xbf" + ("\r\n".join(rows) + "\r\n").encode("utf-8")


def write_official_health_files(out: Path, causes: pd.DataFrame, names: dict[str, str], deaths_year: int) -> None:
    """The CépiDc export, and ``deces-<year>.txt`` replaced by its CSV edition ``Deces_<year>.csv`` plus the
    January file ``Deces_<year>_M01.csv`` (the same deaths again: counted once)."""
    years = f"{causes['year'].min()}-{causes['year'].max()}"
    cepidc_export(causes, names).to_csv(
        out / f"cepidc_deces_causes_departements_{years}.csv", sep=";", index=False, lineterminator="\n"
    )
    txt = out / f"deces-{deaths_year}.txt"
    lines = txt.read_text(encoding="utf-8").splitlines()
    (out / f"Deces_{deaths_year}.csv").write_bytes(deaths_csv_edition(lines))
    january = [line for line in lines if line[158:160] == "01"]
    (out / f"Deces_{deaths_year}_M01.csv").write_bytes(deaths_csv_edition(january))
    txt.unlink()
