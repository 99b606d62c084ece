"""Official layouts of the primary care files (issue 18) for the official-format demo: the Annuaire santé
archive as downloaded (``PS_LibreAcces_AAAAMMJJHHMM.zip``: the activities without their savoir-faire columns,
the savoir-faire in their own member, as the extractions are published now), the ARS zoning as a workbook with
title rows, and IGN ADMIN EXPRESS chef-lieu points (``CHFLIEU_COMMUNE.shp``, Lambert-93, communes named by
``ID_COM`` as in the product, which ``COMMUNE.shp`` turns into INSEE codes)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

SKILL_COLUMNS = ["Code type savoir-faire", "Libellé type savoir-faire", "Code savoir-faire", "Libellé savoir-faire"]
PERSON_COLUMNS = [
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
]


def _table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), sep="|", dtype=str, keep_default_na=False)


def _pipe(df: pd.DataFrame) -> str:
    """``|``-separated with the final ``|`` of every line (the extraction's layout)."""
    lines = ["|".join(df.columns) + "|"] + ["|".join(row) + "|" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def rpps_archive(path: Path, activities: Path) -> None:
    """The archive of the extraction of ``activities`` (a PS_LibreAcces_Personne_activite file with savoir-faire
    columns): the activities without them, one line per practitioner × site, and the SavoirFaire member."""
    table = _table(activities.read_text(encoding="utf-8"))
    table = table.drop(columns=[c for c in table.columns if c.startswith("Unnamed")])
    stamp = activities.stem.rsplit("_", 1)[-1]
    sites = table.drop(columns=SKILL_COLUMNS).drop_duplicates()
    skills = table[PERSON_COLUMNS + SKILL_COLUMNS].drop_duplicates()
    skills = skills[skills["Code savoir-faire"] != ""]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"PS_LibreAcces_Personne_activite_{stamp}.txt", _pipe(sites))
        archive.writestr(f"PS_LibreAcces_SavoirFaire_{stamp}.txt", _pipe(skills))


def zoning_workbook(path: Path, zoning_csv: Path, communes: pd.DataFrame) -> None:
    """The ARS zoning as an ARS publishes it: a title, the arrêté, then code, name and zoning of each commune."""
    import openpyxl

    zoning = pd.read_csv(zoning_csv, sep=";", dtype=str)
    names = dict(zip(communes["commune"], communes["commune_name"]))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Zonage médecins"
    ws.append(["Zonage des médecins généralistes – Région de Val-Brumeux (fictive)"])
    ws.append(["Arrêté du directeur général de l'ARS (article L. 1434-4 du code de la santé publique)"])
    ws.append([])
    ws.append(["Code commune", "Libellé commune", "Zonage médecins"])
    for r in zoning.itertuples(index=False):
        ws.append([r.commune, names.get(r.commune, ""), r.zonage])
    wb.save(path)


def chef_lieu_shapefile(path: Path, outlines: pd.DataFrame) -> None:
    """``CHFLIEU_COMMUNE.shp``: a point inside each commune (``code, geometry``), Lambert-93, ID_COM as in
    ``COMMUNE.shp`` (``COMMUNE_<code>``)."""
    import shapefile
    import shapely
    from pyproj import CRS, Transformer

    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    points = shapely.point_on_surface(np.asarray(outlines["geometry"].to_numpy(), dtype=object))
    xs, ys = to_l93.transform(shapely.get_x(points), shapely.get_y(points))
    with shapefile.Writer(str(path), shapeType=shapefile.POINT, encoding="utf-8") as w:
        w.field("ID", "C", size=24)
        w.field("NOM", "C", size=80)
        w.field("ID_COM", "C", size=24)
        for code, name, x, y in zip(outlines["code"], outlines["name"], xs, ys):
            w.point(float(x), float(y))
            w.record(f"CHFLIEU_{code}", name, f"COMMUNE_{code}")
    path.with_suffix(".prj").write_text(CRS.from_epsg(2154).to_wkt("WKT1_ESRI"))
    path.with_suffix(".cpg").write_text("UTF-8")


def write_official_primary_care(out: Path, demo: Path, communes: pd.DataFrame, outlines: pd.DataFrame) -> None:
    """The family's files of the official-format demo, from the tidy demo folder ``demo``."""
    import shutil

    source = demo / "professionnels"
    activities = next(source.glob("PS_LibreAcces_Personne_activite_*.txt"))
    rpps_archive(out / f"PS_LibreAcces_{activities.stem.rsplit('_', 1)[-1]}.zip", activities)
    for name in ("demographie-effectifs-et-les-densites.csv",):
        shutil.copy(source / name, out / name)
    shutil.copy(next(source.glob("professionnels_sante_france_*.csv")), out)
    zoning_workbook(out / "zonage_medecins_ars_96.xlsx", next(source.glob("zonage_medecins_*.csv")), communes)
    chef_lieu_shapefile(out / "ADMIN-EXPRESS" / "CHFLIEU_COMMUNE.shp", outlines)
