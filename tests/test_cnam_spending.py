"""Cnam R files and RNIAM: read as published, summed by département, and the département value
given to smaller territories (« valeur départementale »)."""

from pathlib import Path

import pandas as pd
import pytest

from diagnostics.demo.official_writers import r_file_csv, rniam_csv
from diagnostics.indicators.common import departements_of_areas
from diagnostics.indicators.consumption import departemental_care_spending_indicators
from diagnostics.sources.catalog import identify
from diagnostics.sources.cnam_reimbursements import read_r_file, read_r_files, read_rniam_population
from diagnostics.sources.css import read_css_beneficiaries
from diagnostics.sources.errors import RawDataError

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "formats" / "samples" / "care_consumption"


def _rows(*rows):
    return pd.DataFrame(rows, columns=["sns_date", "serie", "dpt", "rem_mon"])


def test_r_file_summed_by_care_month_departement_and_item(tmp_path):
    path = tmp_path / "R202001.csv.gz"
    r_file_csv(
        path,
        _rows(
            ("202001", "111111", "1", 100.50),  # C omnipraticiens, Ain written without its leading zero
            ("2020-01-01", "114312", "01", -20.25),  # a regularisation: negative on its row
            ("202001", "11611", "01", 999.0),  # indemnités journalières: not care, left out
            ("202002", "1111N", "2A", 50.0),
            ("201912", "114312", "999", 10.0),  # département unknown
        ),
    )
    assert identify(path).key == "cnam_reimbursements"
    got = {(r.year, r.month, r.departement_code, r.item): round(r.amount, 2) for r in read_r_file(path).itertuples()}
    assert got == {
        (2020, 1, "01", "soins_de_ville"): 100.5,
        (2020, 1, "01", "medicaments"): -20.25,
        (2020, 2, "2A", "soins_de_ville"): 50.0,
        (2019, 12, "inconnu", "medicaments"): 10.0,
    }


def test_r_files_keep_complete_care_years_only(tmp_path):
    paths = []
    for month in range(1, 13):
        p = tmp_path / f"R2021{month:02d}.csv"
        rows = [(f"2021{month:02d}", "114312", "59", 1000.0), (f"2021{month:02d}", "1143", "5N", 1.0)]
        if month == 12:
            rows.append(("202201", "111111", "59", 7.0))  # care of January 2022, claimed early: year incomplete
        r_file_csv(p, _rows(*rows))
        paths.append(p)
    out = read_r_files(paths)
    assert out.to_dict("records") == [
        {"year": 2021, "departement_code": "59", "item": "medicaments", "amount": 12 * 1001.0}
    ]
    assert "année de soins 2022 incomplète (1 mois sur 12) : non utilisée" in out.attrs["warnings"]


@pytest.mark.parametrize(
    "row, fragment",
    [
        (
            ("2020-13", "111111", "01", 1.0),
            "ligne 2, colonne « sns_date » : valeur « 2020-13 » : mois de soins attendu",
        ),
        (
            ("202001", "999999", "01", 1.0),
            "ligne 2, colonne « serie » : valeur « 999999 » : série de la Statistique mensuelle inconnue",
        ),
        (("202001", "111111", "A1", 1.0), "ligne 2, colonne « dpt » : valeur « A1 » : code de département attendu"),
    ],
)
def test_r_file_errors_name_line_and_column(tmp_path, row, fragment):
    path = tmp_path / "R202001.csv"
    r_file_csv(path, _rows(("202001", "111111", "01", 1.0), row))
    text = path.read_text().splitlines()
    path.write_text("\n".join([text[0], text[2], text[1]]) + "\n")  # the bad row first (line 2)
    with pytest.raises(RawDataError) as err:
        read_r_file(path)
    assert fragment in str(err.value)


def test_r_file_amount_and_columns_checked(tmp_path):
    path = tmp_path / "R202001.csv"
    path.write_text("sns_date;serie;dpt;rem_mon\n202001;111111;01;12,5\n202001;111111;01;n.d.\n")
    with pytest.raises(
        RawDataError, match=r"ligne 3, colonne « rem_mon » : valeur « n.d. » : montant remboursé attendu"
    ):
        read_r_file(path)
    path.write_text("sns_date;serie;departement;rem_mon\n202001;111111;01;1\n")
    with pytest.raises(RawDataError, match=r"R202001.csv, ligne 1 : colonne\(s\) manquante\(s\) : dpt"):
        read_r_file(path)


def test_rniam_sums_the_cpam_of_a_departement(tmp_path):
    insured = pd.DataFrame(
        [("59", "M", "00-04", 10), ("59", "F", "90+", 7), ("2A", "F", "40-44", 3)],
        columns=["departement_code", "sex", "age_band", "insured"],
    )
    path = tmp_path / "RNIAM_population_protegee_RG_dep_age_sexe_2019_nb_2019.csv"
    rniam_csv(path, insured)
    lines = path.read_text().splitlines()
    nord = lines[2].replace("59-Département 59,59", "5-Nord,5N")  # the Nord, one row per CPAM, as in the real extract
    other_cpam = nord.replace(",10.0,", ",32.0,", 1)
    path.write_text("\n".join([lines[0], lines[1], nord, other_cpam]) + "\n")
    assert identify(path).key == "insured_population"
    df = read_rniam_population(path)
    got = {(r.departement_code, r.sex, r.age_band): r.insured for r in df.itertuples() if r.insured}
    assert got == {("59", "M", "00-04"): 42, ("59", "F", "90+"): 14, ("2A", "F", "40-44"): 3}
    path.write_text("\n".join([lines[0], nord, nord]) + "\n")
    with pytest.raises(RawDataError, match="ligne 3 : ligne répétée à l'identique"):
        read_rniam_population(path)
    assert set(df["year"]) == {2019}


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/formats/samples absent")
def test_real_rniam_extract():
    df = read_rniam_population(SAMPLES / "RNIAM_population_protegee_RG_dep_age_sexe_2014_nb_2014.csv")
    assert df["departement_code"].nunique() == 100  # 96 + 4 DOM (no Mayotte)
    assert {"2A", "2B", "974", "59"} <= set(df["departement_code"])
    ain = df[df.departement_code == "01"]
    assert ain[(ain.sex == "M") & (ain.age_band == "00-04")]["insured"].item() == 15_933
    assert ain[(ain.sex == "F") & (ain.age_band == "90+")]["insured"].item() == 2_832
    nord_0_4 = df[(df.departement_code == "59") & (df.sex == "M") & (df.age_band == "00-04")]["insured"].item()
    assert nord_0_4 == 12_990 + 28_725 + 19_646 + 23_726  # four CPAM rows « 5N »
    assert df["insured"].sum() == 58_364_483


def _areas():
    communes = pd.DataFrame({"commune": ["96101", "96102", "96201"], "departement_code": ["961", "961", "962"]})
    territories = pd.DataFrame(
        {
            "territory_code": ["CLS", "TS", "TS", "DEP-961", "DEP-961", "DEP-962", "REG-96", "REG-96", "REG-96"],
            "commune": ["96101", "96102", "96201", "96101", "96102", "96201", "96101", "96102", "96201"],
            "departement_code": ["DEP-961", "DEP-962", "DEP-962", "DEP-961", "DEP-961", "DEP-962", None, None, None],
        }
    )
    return territories, communes


def test_areas_made_of_whole_departements_sum_them_others_take_their_departement():
    territories, communes = _areas()
    got = {
        (r.territory_code, r.departement_code, r.level)
        for r in departements_of_areas(territories, communes).itertuples()
    }
    assert got == {
        ("CLS", "961", "département"),
        ("TS", "962", "département"),
        ("DEP-961", "961", ""),
        ("DEP-962", "962", ""),
        ("REG-96", "961", ""),
        ("REG-96", "962", ""),
    }


def test_departemental_spending_per_insured_and_age_adjusted():
    territories, communes = _areas()
    spending = pd.DataFrame(
        [
            (2023, "961", "medicaments", 300_000.0),
            (2023, "962", "medicaments", 100_000.0),
            (2023, "01", "medicaments", 600_000.0),
        ],
        columns=["year", "departement_code", "item", "amount"],
    )
    # 961: 100 young + 100 old; 962: 100 young; rest of France (01): 400 young + 200 old
    insured = pd.DataFrame(
        [
            (2022, "961", "M", "00-04", 100),
            (2022, "961", "F", "80-84", 100),
            (2022, "962", "M", "20-24", 100),
            (2022, "01", "M", "00-04", 400),
            (2022, "01", "F", "85-89", 200),
        ],
        columns=["year", "departement_code", "sex", "age_band", "insured"],
    )
    # national profile: the old cost 3 times the young per head
    profile = pd.DataFrame(
        [
            (2023, b, "medicaments", 3000.0 if b == "80+" else 1000.0, 1)
            for b in ["0-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+"]
        ],
        columns=["year", "spending_band", "item", "amount", "population"],
    )
    out = departemental_care_spending_indicators(spending, insured, profile, territories, communes)
    v = out[out.category == "total"].set_index(["territory_code", "indicator"])
    assert v.loc[("DEP-961", "care_spending_per_capita"), "value"] == pytest.approx(1500.0)
    assert v.loc[("CLS", "care_spending_per_capita"), "value"] == pytest.approx(1500.0)
    assert v.loc[("CLS", "care_spending_per_capita"), "level"] == "département"
    assert v.loc[("REG-96", "care_spending_per_capita"), "value"] == pytest.approx(400_000 / 300)
    assert v.loc[("FRANCE", "care_spending_per_capita"), "value"] == pytest.approx(1_000_000 / 900)
    # expected (unscaled) = young × 1 + old × 3: France 600 + 300 × 3 = 1 500 units for 1 000 000 €;
    # 961: 100 + 300 = 400 units → expected 266 667 €, index = 300 000 / 266 667 × 100 = 112.5
    assert v.loc[("FRANCE", "care_spending_index"), "value"] == pytest.approx(100.0)
    assert v.loc[("DEP-961", "care_spending_index"), "value"] == pytest.approx(112.5)
    assert v.loc[("DEP-962", "care_spending_index"), "value"] == pytest.approx(100_000 / (100 / 1500 * 1_000_000) * 100)
    assert v.loc[("DEP-961", "care_spending_age_adjusted"), "value"] == pytest.approx(112.5 * 1_000_000 / 900 / 100)
    assert "population protégée RNIAM 2022" in v.loc[("CLS", "care_spending_per_capita"), "method"]
    # without a national age profile: raw figures only, the others not computable
    bare = departemental_care_spending_indicators(spending, insured, None, territories, communes)
    idx = bare[(bare.indicator == "care_spending_index") & (bare.territory_code == "DEP-961")].iloc[0]
    assert idx.value != idx.value and "profil national des dépenses par âge absent" in idx.method


def test_css_file_with_departements_and_split(tmp_path):
    path = tmp_path / "beneficiaires_css.csv"
    path.write_text(
        "territoire_type;territoire_code;annee;nb_beneficiaires_css;nb_css_gratuite;nb_css_participation\n"
        "DEP;1;2023;10;8;2\nCOM;01004;2023;5;4;1\nFRANCE;FRANCE;2023;100;80;20\n"
    )
    df = read_css_beneficiaries(path)
    assert df[["level", "code", "free"]].values.tolist() == [
        ["DEP", "01", 8],
        ["COM", "01004", 4],
        ["FRANCE", "FRANCE", 80],
    ]
    path.write_text(
        "territoire_type;territoire_code;annee;nb_beneficiaires_css;nb_css_gratuite;nb_css_participation\n"
        "DEP;01;2023;10;8;3\n"
    )
    with pytest.raises(RawDataError, match="ligne 2 : nb_css_gratuite \\+ nb_css_participation ≠ nb_beneficiaires_css"):
        read_css_beneficiaries(path)
    path.write_text("territoire_type;territoire_code;annee;nb_beneficiaires_css\nDEP;A1;2023;10\n")
    with pytest.raises(RawDataError, match="ligne 2, colonne « territoire_code » : code de département invalide"):
        read_css_beneficiaries(path)


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/formats/samples absent")
def test_every_series_and_departement_of_the_official_r_file_description_is_known():
    from diagnostics.sources.cnam_reimbursements import departement_codes, item_of_series
    from diagnostics.sources.tables import DEPARTEMENT_CODE

    described = SAMPLES / "R_files_descriptif_csv"
    series = pd.read_csv(described / "serie.csv", sep=";", dtype=str)["serie"].str.strip()
    items = item_of_series(series)
    assert items.notna().all(), series[items.isna()].tolist()
    by_item = dict(zip(series, items))
    assert by_item["111111"] == "soins_de_ville" and by_item["114312"] == "medicaments" and by_item["11452"] == "autres"
    assert by_item["11611"] == "" and by_item["118"] == ""  # indemnités journalières, capital décès: not care
    deps = pd.read_csv(described / "dpt.csv", sep=";", dtype=str)
    codes = departement_codes(deps["dpt"])
    assert codes.str.match(DEPARTEMENT_CODE).all() and codes.is_unique
    assert {"01", "2A", "59", "971", "976"} <= set(codes)
    assert departement_codes(deps["l_dpt"]).tolist() == codes.tolist()  # « 5-Nord » is the Nord too
