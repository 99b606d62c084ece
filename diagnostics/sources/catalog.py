"""The registry of raw sources: every accepted file declares here, in one entry, what it is, who
publishes it, how it is recognised (its name as downloaded, then its content), how it is read (the
latest file, or every file of a series), how ``--check`` describes it, and what it feeds — as
papermill registers its I/O handlers. Adding an official file is one reader module and one entry
(walk-through: ``docs/ajouter-une-source.md``). ``sources.toml`` may still name a file's source.
"""

from __future__ import annotations

import fnmatch
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..formatting import fr_number
from . import (  # issue 18  # social context (issue 19)
    ameli_demography,
    bassins_de_vie,
    care_access_optional,
    care_supply,
    causes_of_death,  # issue 17
    census_bases,
    census_population,
    cnam_reimbursements,
    commune_changes,
    css,
    deaths,
    estimated_population,
    filosofi,
    finess,
    france,
    geography,
    geometry,
    insee_deaths,
    insee_deaths_csv,  # issue 17
    population,
    rpps,
)
from . import care_spending as commune_spending
from .describing import describe_table
from .errors import RawDataError

Reader = Callable[[list[Path], dict], object]


@dataclass(frozen=True)
class Sample:
    """What recognition by content looks at in a file, read once and only when asked."""

    path: Path

    @cached_property
    def first_line(self) -> str:
        with open(self.path, "rb") as f:
            head = f.read(4096)
        return head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[0] if head.strip() else ""

    @cached_property
    def columns(self) -> set[str]:
        """The header's names, whatever the separator (« ; », « , », « | », tab)."""
        line = self.first_line
        for sep in (",", "|", "\t"):
            line = line.replace(sep, ";")
        return {c.strip().strip('"') for c in line.split(";")}

    @cached_property
    def sheets(self) -> list[str]:
        from .workbooks import open_workbook

        wb = open_workbook(self.path)
        names = wb.sheetnames
        wb.close()
        return names

    @property
    def delimited(self) -> bool:
        return self.path.suffix.lower() in (".csv", ".txt")

    @property
    def workbook(self) -> bool:
        return self.path.suffix.lower() == ".xlsx" and zipfile.is_zipfile(self.path)


@dataclass(frozen=True)
class Source:
    key: str
    label: str  # French, for --check and the README
    publisher: str  # where to download it
    use: str  # what it feeds, in French
    patterns: tuple[str, ...]  # file names as downloaded (lower case, shell patterns)
    read: Reader  # (the files, the options of sources.toml and the command line) → what it produces
    header: tuple[str, ...] = ()  # columns (shell patterns) that identify a delimited file by its content
    sniff: Callable[[Sample], bool] | None = None  # recognition by content beyond the header
    series: bool = False  # several files make the source (years, months…): all read; else only the latest
    after_communes: bool = False  # read once the table d'appartenance is known (``read_all``)
    describe: Callable[[object], tuple[int, list[str], list[str]]] = describe_table  # rows, details, warnings
    gives: Callable[[object], dict] | None = None  # options its result gives to the sources read after it
    tables: tuple[str, ...] = field(default=())  # the processed tables it feeds (data dictionary)


def latest(reader: Callable[[Path], object]) -> Reader:
    """A source read from its latest file alone."""
    return lambda paths, options: reader(paths[0])


def each(reader: Callable[[Path], pd.DataFrame]) -> Reader:
    """A series: every file read, the tables put one after the other."""
    return lambda paths, options: concat_frames([reader(p) for p in paths])


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The files of one source as one table, with the details and warnings of each."""
    if len(frames) == 1:
        return frames[0]
    out = pd.concat(frames, ignore_index=True)
    for key in ("details", "warnings"):
        out.attrs[key] = [line for f in frames for line in f.attrs.get(key, [])]
    return out


def path_only(paths: list[Path], options: dict) -> Path:
    """Read by ``read_all`` once the communes are known (territories) or the indicators (targets)."""
    return paths[0]


def _years(options: dict) -> list[int] | None:
    span = options.get("years")
    return list(range(span[0], span[1] + 1)) if span else None


def _estimated(paths: list[Path], options: dict) -> pd.DataFrame:
    return concat_frames([estimated_population.read_estimated_population(p, _years(options)) for p in paths])


def _insee_deaths(paths: list[Path], options: dict):
    wanted = set(_years(options) or []) or None
    return insee_deaths.aggregate_death_files(
        paths,
        wanted,
        skip_invalid=options.get("invalid_death_records") == "ignorer",
        oppositions=options.get("_death_oppositions"),
        read=insee_deaths_csv.read_and_parse,  # both editions (issue 17)
        order_key=insee_deaths_csv.file_order_key,
    )


def _oppositions(paths: list[Path], options: dict) -> pd.DataFrame:
    return concat_frames(
        [
            pd.DataFrame(dict(zip(("key", "year"), insee_deaths.read_death_oppositions(p, with_years=True))))
            for p in paths
        ]
    )


def _outlines(paths: list[Path], options: dict) -> pd.DataFrame:
    return concat_frames(
        [
            geometry.read_geometry(
                p, options.get("geometry_code"), options.get("geometry_crs"), options.get("geometry_layer")
            )
            for p in paths
        ]
    )


def _is_insee_death_file(s: Sample) -> bool:
    first = s.first_line
    return s.delimited and len(first) >= 167 and first[81:89].isdigit() and first[154:162].isdigit()


def _is_insee_death_csv(s: Sample) -> bool:  # issue 17
    return s.delimited and insee_deaths_csv.is_csv_edition(s.first_line.encode("utf-8"))


def _is_cepidc_export(s: Sample) -> bool:  # issue 17: the portal's header, in snake_case or as its labels
    roles = {"year", "sex", "age", "cause", "deaths"}
    return s.delimited and roles <= set(causes_of_death._cepidc_roles(s.first_line, ";"))


def _cause_info(key: str) -> dict:  # issue 17
    info = causes_of_death.SOURCE_INFO[key]
    return {k: info[k] for k in ("key", "label", "publisher", "use", "patterns", "header")}


def _is_finess(s: Sample, equipment: bool) -> bool:
    if not (s.delimited and s.first_line.startswith("finess;etalab")):
        return False
    with open(s.path, "rb") as f:
        return (b"\nequipementsocial;" in f.read(1 << 22)) == equipment


SOURCES = [
    Source(
        "communes",
        "Table d'appartenance géographique des communes",
        "Insee, COG (insee.fr/fr/information/2028028)",
        "rattachement des communes aux départements, régions et EPCI",
        ("table-appartenance-geo-communes*.xlsx", "table-appartenance-geo-communes*.csv", "table_passage_geo*.xlsx"),
        latest(geography.read_geography),
        ("CODGEO", "LIBGEO", "DEP", "REG", "EPCI"),
        sniff=lambda s: s.workbook and "COM" in s.sheets,
        describe=geography.describe_geography,
        tables=("communes",),
    ),
    Source(
        "epci_names",
        "Intercommunalité-Métropole (noms des EPCI)",
        "Insee, « Intercommunalité - Métropole au 01-01-AAAA »",
        "noms des EPCI",
        ("epci_au_01-01-*.xlsx", "intercommunalite*.xlsx", "intercommunalité*.xlsx"),
        latest(geography.read_epci_names),
        describe=lambda names: (len(names), [f"{len(names)} EPCI nommés"], []),
        tables=("communes",),
    ),
    Source(
        "commune_changes",
        "Mouvements des communes (COG)",
        "Insee, COG, fichier des mouvements des communes",
        "codes des communes fusionnées ramenés au code actuel",
        ("v_mvt_commune*.csv", "mvtcommune*.csv"),
        each(commune_changes.read_cog_movements),
        series=True,
    ),
    Source(
        "commune_mapping",
        "Table de passage des communes (utilisateur)",
        "à écrire : ancien_code;nouveau_code",
        "codes anciens ramenés au code actuel",
        ("passage_communes*.csv",),
        each(commune_changes.read_user_commune_mapping),
        ("ancien_code", "nouveau_code"),
        series=True,
    ),
    Source(
        "estimated_population",
        "Estimations de population par département, sexe et âge quinquennal",
        "Insee, « Estimations de population » (estim-pop-dep-sexe-aq-1975-AAAA.xlsx)",
        "population des départements, de la région et de la France par année",
        ("estim-pop-dep-sexe-aq*.xlsx",),
        _estimated,
        series=True,
        sniff=lambda s: (
            s.workbook and any(n.strip().isdigit() for n in s.sheets) and any("savoir" in n.lower() for n in s.sheets)
        ),
        tables=("population", "france_reference"),
    ),
    Source(
        "census_population",
        "Recensement : population par commune, sexe et âge (POP1B)",
        "Insee, recensement de la population, tableau POP1B (BTT_TD_POP1B_AAAA.csv ou BTX_TD_POP1B_AAAA.xlsx)",
        "répartition communale de la population par sexe et âge",
        ("btt_td_pop1b_*.csv", "btx_td_pop1b_*.xlsx"),
        each(census_population.read_census_population),
        ("CODGEO", "SEXE", "AGED100", "NB"),
        series=True,
        tables=("population",),
    ),
    Source(
        "population",
        "Population par commune, sexe et âge quinquennal (format tidy)",
        "format documenté du projet",
        "population des communes par année",
        ("population_communes_sexe_age5_*.csv",),
        lambda paths, options: population.read_commune_population(paths),
        ("CODGEO", "SEXE", "AGE5", "NB"),
        series=True,
        tables=("population",),
    ),
    Source(
        "death_oppositions",
        "Oppositions à la réutilisation du fichier des personnes décédées",
        "Insee, data.gouv.fr « Fichier des personnes décédées », fichier des oppositions (CSV)",
        "enregistrements retirés des décès comptés (RGPD)",
        ("*opposition*.csv",),
        _oppositions,
        ("Date de décès", "Code du lieu de décès", "Numéro d'acte de décès"),
        series=True,
        describe=lambda t: (len(t), [f"{fr_number(len(t))} enregistrement(s) sous opposition"], []),
        gives=lambda t: {"_death_oppositions": t},
    ),
    Source(
        "insee_deaths",
        "Fichier des personnes décédées (deces-AAAA.txt ou édition CSV Deces_AAAA.csv)",
        "Insee, data.gouv.fr « Fichier des personnes décédées » (deces-AAAA.txt) ou insee.fr « Fichiers des "
        "personnes décédées depuis 1970 » (Deces_AAAA.csv, Deces_AAAA_MMM.csv)",
        "décès par commune de décès, sexe et âge",
        (
            "deces-[0-9][0-9][0-9][0-9].txt",
            "deces-[0-9][0-9][0-9][0-9]-*.txt",
            *insee_deaths_csv.SOURCE_INFO["insee_deaths_csv"]["patterns"],
        ),
        _insee_deaths,
        series=True,
        sniff=lambda s: _is_insee_death_file(s) or _is_insee_death_csv(s),
        describe=insee_deaths.describe_death_files,
        tables=("deaths",),
    ),
    Source(
        "deaths",
        "Décès domiciliés (CépiDc ou registre, format tidy)",
        "Inserm-CépiDc, ORS (commune;annee;sexe;classe_age;deces)",
        "décès par commune de résidence, sexe et âge (préférés au fichier des personnes décédées)",
        ("deces_domicile*.csv",),
        latest(deaths.read_residence_deaths),
        ("commune", "annee", "sexe", "classe_age", "deces"),
        tables=("deaths",),
    ),
    Source(
        "france_reference",
        "Référence nationale : population et décès de la France",
        "Insee et CépiDc (format tidy)",
        "référence de l'ICM et de la standardisation",
        ("france_population_deces*.csv",),
        latest(france.read_france_reference),
        ("annee", "sexe", "classe_age", "population", "deces"),
        tables=("france_reference",),
    ),
    Source(
        "css",
        "Bénéficiaires de la Complémentaire santé solidaire",
        "CPAM, Fonds CSS, DREES (format tidy)",
        "taux de bénéficiaires de la CSS",
        ("beneficiaires_css*.csv",),
        latest(css.read_css_beneficiaries),
        ("territoire_type", "territoire_code", "annee", "nb_beneficiaires_css"),
        tables=("css",),
    ),
    Source(
        "care_spending",
        "Dépenses remboursées par commune, âge et poste",
        "CPAM / SNDS (format tidy)",
        "dépenses de soins par habitant",
        ("depenses_remboursees_communes_*.csv",),
        latest(commune_spending.read_commune_spending),
        ("annee", "commune", "classe_age", "poste", "montant_rembourse"),
        tables=("care_spending",),
    ),
    Source(
        "france_spending",
        "Dépenses remboursées de la France par âge et poste",
        "Cnam, Open DAMIR (format tidy)",
        "référence nationale et ajustement sur l'âge des dépenses",
        ("depenses_remboursees_france_*.csv",),
        latest(france.read_france_spending),
        ("annee", "classe_age", "poste", "montant_rembourse", "population"),
        describe=lambda t: describe_table(t, national_spending=True),
        tables=("france_spending",),
    ),
    Source(
        "cnam_reimbursements",
        "Cnam : remboursements mensuels du régime général (fichiers R)",
        "Cnam, data.gouv.fr « Dépenses d'assurance maladie hors prestations hospitalières » (RAAAAMM.csv, .csv.gz)",
        "dépenses remboursées par département d'affiliation (à défaut de données communales)",
        (
            "r[0-9][0-9][0-9][0-9][0-9][0-9].csv",
            "r[0-9][0-9][0-9][0-9][0-9][0-9].csv.gz",
            "r[0-9][0-9][0-9][0-9][0-9][0-9].zip",
        ),
        lambda paths, options: cnam_reimbursements.read_r_files(paths),
        ("sns_date", "serie", "dpt", "rem_mon"),
        series=True,
        tables=("departement_spending",),
    ),
    Source(
        "insured_population",
        "Cnam : population protégée du régime général par département, âge et sexe (RNIAM)",
        "Cnam, RNIAM (…population_protegee…_AAAA.csv)",
        "dénominateur des dépenses des fichiers R",
        ("*population_protegee*.csv", "rniam*.csv"),
        each(cnam_reimbursements.read_rniam_population),
        ("l_dpt", "dpt", "0 à 4 ans"),
        series=True,
        tables=("insured_population",),
    ),
    Source(
        "finess_establishments",
        "FINESS : établissements",
        "data.gouv.fr « FINESS Extraction du Fichier des établissements »",
        "liste des établissements médico-sociaux et leur catégorie",
        ("etalab-cs1100507-stock-*.csv", "etalab-cs1100502-stock-*.csv"),
        latest(finess.read_finess_establishments),
        sniff=lambda s: _is_finess(s, equipment=False),
        tables=("finess_places",),
        gives=lambda t: {"_finess_communes": t[["finess_et", "commune"]]},
    ),  # RPPS sites located by FINESS number
    Source(
        "finess_equipment",
        "FINESS : équipements sociaux et médico-sociaux",
        "data.gouv.fr « FINESS Extraction des équipements sociaux et médico-sociaux »",
        "places installées par établissement",
        ("etalab-cs1100505-stock-*.csv",),
        latest(finess.read_finess_installed_places),
        sniff=lambda s: _is_finess(s, equipment=True),
        tables=("finess_places",),
    ),
    Source(
        "france_places",
        "Places médico-sociales de la France par catégorie",
        "DREES, STATISS (format tidy)",
        "référence nationale des taux d'équipement",
        ("places_medico_sociales_france_*.csv",),
        latest(france.read_france_places),
        ("annee", "categorie", "places"),
        tables=("france_places",),
    ),
    # chefs-lieux before the outlines: CHFLIEU_COMMUNE.shp would otherwise be taken for an outline (issue 18)
    Source(**care_access_optional.SOURCE_INFO[5], read=care_supply.read_chef_lieu, tables=("commune_coordinates",)),
    Source(
        "geometry",
        "Contours des communes ou des départements (GeoJSON, Shapefile, GeoPackage)",
        "IGN ADMIN EXPRESS (COMMUNE.shp, DEPARTEMENT.shp, .gpkg) ou france-geojson (communes.geojson, "
        "departements.geojson)",
        "cartes des territoires de la région",
        ("*.geojson", "*.shp", "*.gpkg"),
        _outlines,
        series=True,
        describe=geometry.describe_outlines,
        tables=("geometry", "territory_shapes"),
    ),
    Source(
        "territory_mapping",
        "Correspondance commune → territoire (ARS)",
        "ARS (à écrire : commune;code_territoire;nom_territoire)",
        "territoires de santé, de démocratie sanitaire ou de proximité",
        ("territoires_de_sante*.csv", "correspondance_communes_territoires*.csv"),
        path_only,
        ("commune", "code_territoire", "nom_territoire"),
        after_communes=True,
        tables=("territories",),
    ),
    Source(
        "territory_definitions",
        "Définition des territoires",
        "à écrire : code;nom;type;communes",
        "territoires infra-départementaux (CLS, ASV, territoires de santé…)",
        ("territoires*.csv",),
        path_only,
        ("code", "nom", "type", "communes"),
        after_communes=True,
        tables=("territories",),
    ),
    Source(
        "contracts",
        "Contrats territoriaux (CLS, CLSM, ASV, CPOM)",
        "ARS (à écrire : territoire;contrat;statut;debut;fin)",
        "suivi des contrats (synthèse régionale)",
        ("contrats*.csv",),
        path_only,
        ("territoire", "contrat", "statut"),
        after_communes=True,
        tables=("contracts",),
    ),
    Source(
        "targets",
        "Objectifs des contrats",
        "ARS (à écrire : territoire;indicateur;periode_reference;cible;echeance)",
        "section « Suivi des objectifs » des rapports",
        ("objectifs*.csv",),
        path_only,
        ("territoire", "indicateur", "periode_reference"),
        after_communes=True,
        tables=("targets",),
    ),
    # offre de soins de premier recours (issue 18): professionals, their ages, zonings, access and coordinates
    Source(
        **rpps.SOURCE_INFO[0],
        read=care_supply.read_rpps,
        describe=care_supply.describe_rpps,
        tables=("health_professionals",),
    ),
    Source(
        **rpps.SOURCE_INFO[1],
        read=care_supply.savoir_faire_path,
        tables=("health_professionals",),
        describe=lambda path: (0, ["lu avec l'extraction des activités (spécialités ordinales des médecins)"], []),
    ),
    Source(
        "france_professionals",
        "Professionnels de santé de la France par profession et mode d'exercice",
        "DREES, « Démographie des professionnels de santé » (RPPS), ou la somme de l'extraction RPPS nationale "
        "(format tidy : annee;profession;mode;effectif)",
        "référence nationale des densités de professionnels",
        ("professionnels_sante_france*.csv",),
        latest(care_supply.read_france_professionals),
        ("annee", "profession", "mode", "effectif"),
        tables=("france_professionals",),
    ),
    Source(
        **ameli_demography.SOURCE_INFO,
        read=latest(ameli_demography.read_ameli_demography),
        tables=("practitioner_ages",),
    ),
    Source(**bassins_de_vie.SOURCE_INFO[0], read=latest(bassins_de_vie.read_bassins_de_vie), tables=("communes",)),
    Source(**bassins_de_vie.SOURCE_INFO[1], read=latest(bassins_de_vie.read_zones_emploi), tables=("communes",)),
    Source(
        **care_access_optional.SOURCE_INFO[0], read=latest(care_access_optional.read_apl), tables=("gp_accessibility",)
    ),
    Source(
        **care_access_optional.SOURCE_INFO[1],
        read=latest(care_access_optional.read_ars_zoning),
        tables=("care_zoning",),
    ),
    Source(
        **care_access_optional.SOURCE_INFO[2],
        read=latest(care_access_optional.read_travel_times),
        tables=("gp_accessibility",),
    ),
    *(
        Source(**info, read=latest(care_access_optional.read_commune_coordinates), tables=("commune_coordinates",))
        for info in care_access_optional.SOURCE_INFO[3:5]
    ),
    # health status (issue 17): deaths by cause
    Source(
        **_cause_info("cepidc_causes"),
        read=each(causes_of_death.read_cepidc_export),
        series=True,
        sniff=_is_cepidc_export,
        tables=("cause_deaths",),
    ),
    Source(
        **_cause_info("cause_deaths"),
        read=each(causes_of_death.read_cause_deaths),
        series=True,
        tables=("cause_deaths",),
    ),
    # social context and health inequalities (issue 19): each family's kinds are read together (one reader)
    Source(
        "filosofi",
        "Insee Filosofi : revenus et pauvreté (chiffres clés, DISP et DISP_PAUVRES, Melodi)",
        "Insee, « Revenus, pauvreté et niveau de vie » (base-cc-filosofi-AAAA_CSV.zip → cc_filosofi_AAAA_COM.csv, "
        "…_EPCI.csv, …_DEP.csv…), « Structure et distribution des revenus » (FILOAAAA_DISP_COM.csv, "
        "FILOAAAA_DISP_PAUVRES_COM.csv) ou Melodi DS_FILOSOFI_CC",
        "niveau de vie médian et taux de pauvreté ; revenu de l'indice de défavorisation FDep",
        tuple(p for kind in filosofi.SOURCE_INFO for p in kind["patterns"]),
        lambda paths, options: filosofi.read_filosofi(paths),
        series=True,
        sniff=lambda s: s.delimited and filosofi.source_kind(s.columns) is not None,
        describe=lambda t: (len(t), list(t.attrs.get("details", [])), []),
        tables=("filosofi",),
    ),
    Source(
        "census_bases",
        "Recensement : bases communales activité, diplômes, couples - familles - ménages",
        "Insee, recensement de la population (base-cc-emploi-pop-active-AAAA.CSV, base-cc-diplomes-formation-AAAA.CSV, "
        "base-cc-coupl-fam-men-AAAA.CSV, ou leurs versions IRIS base-ic-…)",
        "chômage, ouvriers, diplômes, familles monoparentales, 80 ans ou plus seuls ; indice FDep",
        tuple(p for kind in census_bases.SOURCE_INFO for p in kind["patterns"]),
        lambda paths, options: census_bases.read_census_bases(paths),
        series=True,
        sniff=lambda s: s.delimited and census_bases.source_kind(s.columns) is not None,
        tables=("census_bases",),
    ),
    # ajoutez les nouvelles sources au-dessus de cette ligne (docs/ajouter-une-source.md)
]
BY_KEY = {s.key: s for s in SOURCES}  # order matters: the first matching pattern wins, sources are read in this order
IGNORED = (
    "sources.toml",
    "readme*",
    "*.md",
    ".*",
    "*.pdf",
    "*.zip",
    "*.gz",
    "*.dbf",
    "*.shx",
    "*.prj",
    "*.cpg",
    "*.qix",
    "*.sbn",
    "*.sbx",
    "*.qmd",
    "*.xml",
)  # unless a pattern above names them


def _by_content(path: Path) -> Source | None:
    sample = Sample(path)
    if not (sample.delimited or sample.workbook):
        return None
    for source in SOURCES:  # a source's own test first (fixed-width files, workbooks), then its header
        if source.sniff is not None and source.sniff(sample):
            return source
    if not sample.delimited:
        return None
    columns = sample.columns
    for source in SOURCES:
        if source.header and all(any(fnmatch.fnmatchcase(c, h) for c in columns) for h in source.header):
            return source
    return None


def _by_name(path: Path) -> Source | None:
    name = path.name.lower()
    return next((s for s in SOURCES if any(fnmatch.fnmatch(name, p) for p in s.patterns)), None)


def identify(path: Path) -> Source | None:
    """The source of a file, by its name as downloaded, else by its content."""
    if (source := _by_name(path)) is not None:
        return source
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
        source = BY_KEY.get(explicit.get(path.resolve(), "")) or _by_name(path)
        if source is None and (
            any(part.startswith(".") for part in rel.parts)
            or any(fnmatch.fnmatch(path.name.lower(), p) for p in IGNORED)
        ):
            continue
        source = source or identify(path)
        if source is None:
            unknown.append(path)
        else:
            found.setdefault(source.key, []).append(path)
    return found, unknown


def accepted_formats() -> str:
    """The accepted files, one per line, for messages."""
    return "\n".join(f"  - {s.label} : {', '.join(s.patterns)} ({s.publisher})" for s in SOURCES)
