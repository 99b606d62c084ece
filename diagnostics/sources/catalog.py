"""Every accepted raw file: what it is, who publishes it, what it feeds, and how it is recognised
(by its name as downloaded, then by its content), so that a raw folder can be checked and read
without the user naming anything. ``sources.toml`` may still name a file's source explicitly.
"""
from __future__ import annotations

import fnmatch
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import RawDataError


@dataclass(frozen=True)
class SourceKind:
    key: str
    label: str  # French, for --check and the README
    publisher: str  # where to download it
    use: str  # what it feeds
    patterns: tuple[str, ...]  # file names as downloaded (lower case, shell patterns)
    header: tuple[str, ...] = ()  # columns that identify a delimited file by content


KINDS = [
    SourceKind("communes", "Table d'appartenance géographique des communes", "Insee, COG (insee.fr/fr/information/2028028)",
               "rattachement des communes aux départements, régions et EPCI",
               ("table-appartenance-geo-communes*.xlsx", "table-appartenance-geo-communes*.csv", "table_passage_geo*.xlsx"),
               ("CODGEO", "LIBGEO", "DEP", "REG", "EPCI")),
    SourceKind("epci_names", "Intercommunalité-Métropole (noms des EPCI)", "Insee, « Intercommunalité - Métropole au 01-01-AAAA »",
               "noms des EPCI", ("epci_au_01-01-*.xlsx", "intercommunalite*.xlsx", "intercommunalité*.xlsx")),
    SourceKind("commune_changes", "Mouvements des communes (COG)", "Insee, COG, fichier des mouvements des communes",
               "codes des communes fusionnées ramenés au code actuel", ("v_mvt_commune*.csv", "mvtcommune*.csv")),
    SourceKind("commune_mapping", "Table de passage des communes (utilisateur)", "à écrire : ancien_code;nouveau_code",
               "codes anciens ramenés au code actuel", ("passage_communes*.csv",), ("ancien_code", "nouveau_code")),
    SourceKind("estimated_population", "Estimations de population par département, sexe et âge quinquennal",
               "Insee, « Estimations de population » (estim-pop-dep-sexe-aq-1975-AAAA.xlsx)",
               "population des départements, de la région et de la France par année", ("estim-pop-dep-sexe-aq*.xlsx",)),
    SourceKind("census_population", "Recensement : population par commune, sexe et âge (POP1B)",
               "Insee, recensement de la population, tableau POP1B (BTT_TD_POP1B_AAAA.csv ou BTX_TD_POP1B_AAAA.xlsx)",
               "répartition communale de la population par sexe et âge", ("btt_td_pop1b_*.csv", "btx_td_pop1b_*.xlsx"),
               ("CODGEO", "SEXE", "AGED100", "NB")),
    SourceKind("population", "Population par commune, sexe et âge quinquennal (format tidy)", "format documenté du projet",
               "population des communes par année", ("population_communes_sexe_age5_*.csv",), ("CODGEO", "SEXE", "AGE5", "NB")),
    SourceKind("death_oppositions", "Oppositions à la réutilisation du fichier des personnes décédées",
               "Insee, data.gouv.fr « Fichier des personnes décédées », fichier des oppositions (CSV)",
               "enregistrements retirés des décès comptés (RGPD)", ("*opposition*.csv",),
               ("Date de décès", "Code du lieu de décès", "Numéro d'acte de décès")),
    SourceKind("insee_deaths", "Fichier des personnes décédées", "Insee, data.gouv.fr « Fichier des personnes décédées » (deces-AAAA.txt)",
               "décès par commune de décès, sexe et âge", ("deces-[0-9][0-9][0-9][0-9].txt", "deces-[0-9][0-9][0-9][0-9]-*.txt")),
    SourceKind("deaths", "Décès domiciliés (CépiDc ou registre, format tidy)", "Inserm-CépiDc, ORS (commune;annee;sexe;classe_age;deces)",
               "décès par commune de résidence, sexe et âge (préférés au fichier des personnes décédées)",
               ("deces_domicile*.csv",), ("commune", "annee", "sexe", "classe_age", "deces")),
    SourceKind("france_reference", "Référence nationale : population et décès de la France", "Insee et CépiDc (format tidy)",
               "référence de l'ICM et de la standardisation", ("france_population_deces*.csv",),
               ("annee", "sexe", "classe_age", "population", "deces")),
    SourceKind("css", "Bénéficiaires de la Complémentaire santé solidaire", "CPAM, Fonds CSS, DREES (format tidy)",
               "taux de bénéficiaires de la CSS", ("beneficiaires_css*.csv",),
               ("territoire_type", "territoire_code", "annee", "nb_beneficiaires_css")),
    SourceKind("care_spending", "Dépenses remboursées par commune, âge et poste", "CPAM / SNDS (format tidy)",
               "dépenses de soins par habitant", ("depenses_remboursees_communes_*.csv",),
               ("annee", "commune", "classe_age", "poste", "montant_rembourse")),
    SourceKind("france_spending", "Dépenses remboursées de la France par âge et poste", "Cnam, Open DAMIR (format tidy)",
               "référence nationale et ajustement sur l'âge des dépenses", ("depenses_remboursees_france_*.csv",),
               ("annee", "classe_age", "poste", "montant_rembourse", "population")),
    SourceKind("cnam_reimbursements", "Cnam : remboursements mensuels du régime général (fichiers R)",
               "Cnam, data.gouv.fr « Dépenses d'assurance maladie hors prestations hospitalières » (RAAAAMM.csv, .csv.gz)",
               "dépenses remboursées par département d'affiliation (à défaut de données communales)",
               ("r[0-9][0-9][0-9][0-9][0-9][0-9].csv", "r[0-9][0-9][0-9][0-9][0-9][0-9].csv.gz",
                "r[0-9][0-9][0-9][0-9][0-9][0-9].zip"), ("sns_date", "serie", "dpt", "rem_mon")),
    SourceKind("insured_population", "Cnam : population protégée du régime général par département, âge et sexe (RNIAM)",
               "Cnam, RNIAM (…population_protegee…_AAAA.csv)", "dénominateur des dépenses des fichiers R",
               ("*population_protegee*.csv", "rniam*.csv"), ("l_dpt", "dpt", "0 à 4 ans")),
    SourceKind("finess_establishments", "FINESS : établissements", "data.gouv.fr « FINESS Extraction du Fichier des établissements »",
               "liste des établissements médico-sociaux et leur catégorie", ("etalab-cs1100507-stock-*.csv", "etalab-cs1100502-stock-*.csv")),
    SourceKind("finess_equipment", "FINESS : équipements sociaux et médico-sociaux",
               "data.gouv.fr « FINESS Extraction des équipements sociaux et médico-sociaux »",
               "places installées par établissement", ("etalab-cs1100505-stock-*.csv",)),
    SourceKind("france_places", "Places médico-sociales de la France par catégorie", "DREES, STATISS (format tidy)",
               "référence nationale des taux d'équipement", ("places_medico_sociales_france_*.csv",), ("annee", "categorie", "places")),
    SourceKind("geometry", "Contours des communes ou des départements (GeoJSON, Shapefile, GeoPackage)",
               "IGN ADMIN EXPRESS (COMMUNE.shp, DEPARTEMENT.shp, .gpkg) ou france-geojson (communes.geojson, departements.geojson)",
               "cartes des territoires de la région", ("*.geojson", "*.shp", "*.gpkg")),
    SourceKind("territory_mapping", "Correspondance commune → territoire (ARS)", "ARS (à écrire : commune;code_territoire;nom_territoire)",
               "territoires de santé, de démocratie sanitaire ou de proximité", ("territoires_de_sante*.csv", "correspondance_communes_territoires*.csv"),
               ("commune", "code_territoire", "nom_territoire")),
    SourceKind("territory_definitions", "Définition des territoires", "à écrire : code;nom;type;communes",
               "territoires infra-départementaux (CLS, ASV, territoires de santé…)", ("territoires*.csv",),
               ("code", "nom", "type", "communes")),
    SourceKind("contracts", "Contrats territoriaux (CLS, CLSM, ASV, CPOM)", "ARS (à écrire : territoire;contrat;statut;debut;fin)",
               "suivi des contrats (synthèse régionale)", ("contrats*.csv",), ("territoire", "contrat", "statut")),
    SourceKind("targets", "Objectifs des contrats", "ARS (à écrire : territoire;indicateur;periode_reference;cible;echeance)",
               "section « Suivi des objectifs » des rapports", ("objectifs*.csv",), ("territoire", "indicateur", "periode_reference")),
]
BY_KEY = {k.key: k for k in KINDS}  # order matters: the first matching pattern wins
IGNORED = ("sources.toml", "readme*", "*.md", ".*", "*.pdf", "*.zip", "*.gz", "*.dbf", "*.shx", "*.prj", "*.cpg", "*.qix",
           "*.sbn", "*.sbx", "*.qmd", "*.xml")  # unless a pattern above names them


def _first_line(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(4096)
    return head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[0] if head.strip() else ""


def _by_content(path: Path) -> SourceKind | None:
    suffix = path.suffix.lower()
    if suffix == ".xlsx" and zipfile.is_zipfile(path):
        from .workbooks import open_workbook

        wb = open_workbook(path)
        names = wb.sheetnames
        wb.close()
        if "COM" in names:
            return BY_KEY["communes"]
        if any(n.strip().isdigit() for n in names) and any("savoir" in n.lower() for n in names):
            return BY_KEY["estimated_population"]
        return None
    if suffix not in (".csv", ".txt"):
        return None
    first = _first_line(path)
    if first.startswith("finess;etalab"):
        with open(path, "rb") as f:
            return BY_KEY["finess_equipment" if b"\nequipementsocial;" in f.read(1 << 22) else "finess_establishments"]
    if len(first) >= 167 and first[81:89].isdigit() and first[154:162].isdigit():
        return BY_KEY["insee_deaths"]
    columns = {c.strip().strip('"') for c in first.replace(",", ";").split(";")}
    for kind in KINDS:
        if kind.header and set(kind.header) <= columns:
            return kind
    return None


def _by_name(path: Path) -> SourceKind | None:
    name = path.name.lower()
    return next((k for k in KINDS if any(fnmatch.fnmatch(name, p) for p in k.patterns)), None)


def identify(path: Path) -> SourceKind | None:
    """The source of a file, by its name as downloaded, else by its content."""
    if (kind := _by_name(path)) is not None:
        return kind
    try:
        return _by_content(path)
    except (OSError, RawDataError):
        return None


def scan(raw_dir: Path, explicit: dict[Path, str] | None = None) -> tuple[dict[str, list[Path]], list[Path]]:
    """Files of a raw folder grouped by source, and the files not recognised."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise RawDataError(raw_dir, "dossier de données brutes introuvable")
    explicit = explicit or {}
    found: dict[str, list[Path]] = {}
    unknown = []
    for path in sorted(p for p in raw_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(raw_dir)
        kind = BY_KEY.get(explicit.get(path.resolve(), "")) or _by_name(path)
        if kind is None and (any(part.startswith(".") for part in rel.parts)
                             or any(fnmatch.fnmatch(path.name.lower(), p) for p in IGNORED)):
            continue
        kind = kind or identify(path)
        if kind is None:
            unknown.append(path)
        else:
            found.setdefault(kind.key, []).append(path)
    return found, unknown


def accepted_formats() -> str:
    """The accepted files, one per line, for messages."""
    return "\n".join(f"  - {k.label} : {', '.join(k.patterns)} ({k.publisher})" for k in KINDS)
