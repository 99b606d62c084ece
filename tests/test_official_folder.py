"""A région's folder of official-format files: recognised, checked, built; broken copies named."""

import html
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def official_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("officiel") / "val-brumeux"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_official_demo.py"), str(out)], check=True)
    return out


def run_all(*args):
    return subprocess.run(
        [sys.executable, str(ROOT / "run_all.py"), *map(str, args)], capture_output=True, text=True, cwd=ROOT
    )


@pytest.mark.slow
def test_check_recognises_every_official_file_and_builds_nothing(official_dir, tmp_path):
    r = run_all("--raw", official_dir, "--check", "--processed", tmp_path / "processed")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    for fragment in [
        "[ok] table-appartenance-geo-communes-2024.xlsx — Table d'appartenance géographique des communes",
        "[ok] estim-pop-dep-sexe-aq-1975-2024.xlsx — Estimations de population par département",
        "[ok] BTT_TD_POP1B_2021.csv — Recensement : population par commune",
        # issue 17: 2023 in the CSV edition, with its January file again (514 deaths counted once)
        "7 fichiers : Deces_2023.csv, Deces_2023_M01.csv, deces-2018.txt, deces-2019.txt",
        "36\u202f067 enregistrements lus (ascii, utf-8), 514 doublons écartés",
        "5 sous opposition retirés",
        "[ok] cepidc_deces_causes_departements_2018-2023.csv — CépiDc : décès par cause",
        "attention : décès localisés au lieu de décès",
        "[ok] etalab-cs1100507-stock-20240110-0336.csv — FINESS : établissements",
        "population (2023) : 566\u202f162",
        "12 fichiers : R202301.csv.gz, R202302.csv,",
        "mois de soins 01/2023 à 12/2023, années complètes : 2023",
        "[ok] RNIAM_population_protegee_RG_dep_age_sexe_2023_nb_2023.csv — Cnam : population protégée",
        "niveaux : COM, DEP, FRANCE, 3 département(s)",
        "[ok] COMMUNE.shp — Contours des communes ou des départements",
        "contours : 284 communes",
        "13 territoire(s) à produire, 284 communes de la région, population 2018–2023 (recensement + estimations)",
        "dépenses de soins par département (valeur départementale pour les territoires infra-départementaux)",
        # social context (issue 19): Filosofi from Melodi, a census base by IRIS
        "[ok] DS_FILOSOFI_CC_2021_data.csv — Insee Filosofi : revenus et pauvreté",
        "DS_FILOSOFI_CC_2021_data.csv : Filosofi 2021, 284 communes (sans valeur, secret statistique",
        "; 1 France ;",
        "3 fichiers : base-cc-coupl-fam-men-2021.CSV, base-cc-emploi-pop-active-2021.CSV, "
        "base-ic-diplomes-formation-2021.CSV",
        "Indice de défavorisation FDep : 257 communes",
        "Aucun problème",
    ]:
        assert fragment in out, fragment
    assert not (tmp_path / "processed").exists()


@pytest.mark.slow
def test_official_folder_builds_reports_saying_where_deaths_are_counted(official_dir, tmp_path):
    r = run_all(
        "--raw",
        official_dir,
        "--processed",
        tmp_path / "processed",
        "--output",
        tmp_path / "reports",
        "--jobs",
        "1",
        "TS-SUD",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    page = html.unescape((tmp_path / "reports" / "TS-SUD.html").read_text(encoding="utf-8"))
    # said in the mortality section and in the methods
    assert page.count("comptés là où ils ont eu lieu (fichier des personnes décédées de l'Insee)") == 2
    pop = pd.read_parquet(tmp_path / "processed" / "population.parquet")
    communes = pd.read_parquet(tmp_path / "processed" / "communes.parquet")
    by_dep = (
        pop.merge(communes[["commune", "departement_code"]], on="commune")
        .groupby(["departement_code", "year"])["population"]
        .sum()
    )
    # calibrated on INSEE's estimates: each département's total is the estimate, every year
    from diagnostics.sources.estimated_population import read_estimated_population

    est = read_estimated_population(official_dir / "estim-pop-dep-sexe-aq-1975-2024.xlsx")
    expected = est[est.level == "DEP"].groupby(["code", "year"])["population"].sum()
    assert by_dep.round(6).to_dict() == expected.rename_axis(["departement_code", "year"]).round(6).to_dict()
    deaths = pd.read_parquet(tmp_path / "processed" / "deaths.parquet")
    assert deaths["deaths"].sum() == 35_553 - 5  # five records under opposition
    # spending only by département (R files), CSS without commune figures in TS-SUD's département:
    # its département's values
    ind = pd.read_parquet(tmp_path / "processed" / "indicators.parquet").set_index(
        ["territory_code", "indicator", "category", "period"]
    )
    for indicator, period in (("care_spending_per_capita", "2023"), ("css_rate", "2023")):
        own, dep = ind.loc[("TS-SUD", indicator, "total", period)], ind.loc[("DEP-962", indicator, "total", period)]
        assert own["value"] == dep["value"] and own["level"] == "département" and dep["level"] == ""
    spend = ind.loc[("REG-96", "care_spending_per_capita", "total", "2023")]
    assert spend["denominator"] == pytest.approx(
        0.85 * 566_162, abs=60
    )  # RNIAM protected population: 85 % of the région
    assert "CSS avec participation financière" in page
    assert "Carte des territoires de santé de la région" in page  # outlines from the Lambert-93 shapefile
    assert page.count("(valeur départementale)") >= 3 and "Valeur départementale : ces chiffres" in page
    csv = pd.read_csv(tmp_path / "reports" / "TS-SUD.csv", sep=";", dtype=str)
    levels = csv[csv.sexe == "ensemble"].set_index(["indicateur", "categorie", "periode"])["niveau_valeur"]
    assert (
        levels[("care_spending_index", "total", "2023")]
        == levels[("css_rate", "total", "2023")]
        == "valeur départementale"
    )
    assert levels[("mortality_icm", "total", "2019-2023")] == "territoire"


@pytest.mark.parametrize(
    "breakage, fragments",
    [
        ("truncate_deaths", ["[ERREUR] deces-2020.txt", "deces-2020.txt, ligne 3 : ligne tronquée"]),
        (
            "estimates_text",
            [
                "[ERREUR] estim-pop-dep-sexe-aq-1975-2024.xlsx",
                "ligne 7, colonne « Z » : feuille « 2021 » : effectif « n.d. »",
            ],
        ),
        (
            "census_code",
            ["[ERREUR] BTT_TD_POP1B_2021.csv", "ligne 2, colonne « CODGEO » : code commune INSEE invalide « 9610 »"],
        ),
        ("finess_short", ["[ERREUR] etalab-cs1100505-stock-20240110-0344.csv", "ligne 2 : 3 champs au lieu de 28"]),
        (
            "unknown_file",
            [
                "[ERREUR] fichier(s) non reconnu(s) : notes_reunion.csv",
                "Fichiers acceptés :",
                "Fichier des personnes décédées (deces-AAAA.txt ou édition CSV Deces_AAAA.csv) : "
                "deces-[0-9][0-9][0-9][0-9].txt",
            ],
        ),
        ("bad_manifest", ["sources.toml : option inconnue « regoin »"]),
        (
            "r_file_amount",
            [
                "[ERREUR] R202302.csv",
                "R202302.csv, ligne 3, colonne « rem_mon » : valeur « n.d. » : montant remboursé attendu",
            ],
        ),
        (
            "rniam_text",
            [
                "[ERREUR] RNIAM_population_protegee_RG_dep_age_sexe_2023_nb_2023.csv",
                "ligne 2, colonne « 0 à 4 ans » : valeur « NC » : effectif entier positif attendu",
            ],
        ),
    ],
)
@pytest.mark.slow
def test_check_on_a_broken_copy_names_the_problem(official_dir, tmp_path, breakage, fragments):
    raw = tmp_path / "raw"
    shutil.copytree(official_dir, raw)
    if breakage == "truncate_deaths":
        lines = (raw / "deces-2020.txt").read_text().splitlines()
        lines[2] = lines[2][:120]
        (raw / "deces-2020.txt").write_text("\n".join(lines) + "\n")
    elif breakage == "estimates_text":
        import openpyxl

        wb = openpyxl.load_workbook(raw / "estim-pop-dep-sexe-aq-1975-2024.xlsx")
        wb["2021"]["Z7"] = "n.d."
        wb.save(raw / "estim-pop-dep-sexe-aq-1975-2024.xlsx")
    elif breakage == "census_code":
        text = (raw / "BTT_TD_POP1B_2021.csv").read_text().splitlines()
        text[1] = text[1].replace(";96101;", ";9610;", 1)
        (raw / "BTT_TD_POP1B_2021.csv").write_text("\n".join(text) + "\n")
    elif breakage == "finess_short":
        path = next(raw.rglob("etalab-cs1100505-*.csv"))
        lines = path.read_text(encoding="latin-1").splitlines()
        lines.insert(1, "equipementsocial;960000001;924")
        path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    elif breakage == "unknown_file":
        (raw / "notes_reunion.csv").write_text("sujet;date\nCTS;2024-01-01\n")
    elif breakage == "r_file_amount":
        lines = (raw / "R202302.csv").read_text().splitlines()
        fields = lines[2].split(";")
        fields[34] = "n.d."  # rem_mon
        lines[2] = ";".join(fields)
        (raw / "R202302.csv").write_text("\n".join(lines) + "\n")
    elif breakage == "rniam_text":
        path = next(raw.glob("RNIAM_*.csv"))
        lines = path.read_text().splitlines()
        fields = lines[1].split(",")
        fields[2] = "NC"
        lines[1] = ",".join(fields)
        path.write_text("\n".join(lines) + "\n")
    elif breakage == "bad_manifest":
        (raw / "sources.toml").write_text('[options]\nregoin = "96"\n')
    r = run_all("--raw", raw, "--check")
    assert r.returncode == 2
    for fragment in fragments:
        assert fragment in r.stdout, (fragment, r.stdout[-3000:])


@pytest.mark.slow
def test_territories_from_an_ars_mapping_or_by_default_departements_and_epci(official_dir, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(official_dir, raw)
    (raw / "territoires.csv").unlink()
    r = run_all("--raw", raw, "--check")
    assert r.returncode == 0, r.stdout
    communes = pd.read_csv(
        ROOT / "data" / "raw" / "demo" / "table-appartenance-geo-communes-2024.csv", sep=";", dtype=str
    )
    expected = communes["DEP"].nunique() + communes["EPCI"].nunique()
    assert f"Ensemble : {expected} territoire(s) à produire" in r.stdout
    mapping = communes.assign(code_territoire="TS-" + communes["DEP"], nom_territoire="Territoire " + communes["DEP"])
    mapping[["CODGEO", "code_territoire", "nom_territoire"]].rename(columns={"CODGEO": "commune"}).to_csv(
        raw / "territoires_de_sante.csv", sep=";", index=False
    )
    r = run_all("--raw", raw, "--check")
    assert r.returncode == 0, r.stdout
    assert (
        "Correspondance commune → territoire (ARS)" in r.stdout and "Ensemble : 3 territoire(s) à produire" in r.stdout
    )
