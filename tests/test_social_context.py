"""The social context's processed tables: former commune codes merged (sums strict, a median of merged
communes left unknown), the FDep scope, and, on the demo, ``deprivation.parquet`` recomputed by hand from the
raw files (numpy, without the project's readers) and Filosofi's secret cells never filled in, up to the reports."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostics import config
from diagnostics.sources.social_context import current_census, current_filosofi, deprivation_tables

RAW = config.DEMO_RAW_DIR


def test_former_codes_are_summed_strictly_into_their_commune():
    census = pd.DataFrame(
        {
            "commune": ["01001", "01002", "01003", "01004"],
            "year": 2021,
            "unemployment_rate_numerator": [10.0, 5.0, 3.0, np.nan],
            "unemployment_rate_denominator": [100.0, 50.0, 30.0, 20.0],
        }
    )
    out = current_census(census, {"01002": "01001", "01004": "01003"}).set_index("commune")
    assert out.loc["01001", "unemployment_rate_numerator"] == 15.0
    assert out.loc["01001", "unemployment_rate_denominator"] == 150.0
    assert np.isnan(out.loc["01003", "unemployment_rate_numerator"])  # a part missing: no partial sum
    assert out.loc["01003", "unemployment_rate_denominator"] == 50.0


def test_a_median_of_merged_communes_is_unknown_their_poverty_rate_exact():
    table = pd.DataFrame(
        {
            "level": ["COM", "COM", "COM", "DEP"],
            "code": ["01001", "01002", "01003", "01"],
            "year": 2021,
            "households": [400.0, 100.0, 300.0, 800.0],
            "population": [900.0, 300.0, 700.0, 1900.0],
            "consumption_units": np.nan,
            "median_income": [21000.0, 25000.0, 23000.0, 22000.0],
            "poverty_rate": [20.0, 10.0, 15.0, 16.0],
        }
    )
    out = current_filosofi(table, {"01002": "01001"}).set_index(["level", "code"])
    merged = out.loc[("COM", "01001")]
    assert (merged["households"], merged["population"]) == (500.0, 1200.0)
    assert merged["poverty_rate"] == pytest.approx((20 * 900 + 10 * 300) / 1200)
    assert np.isnan(merged["median_income"])
    assert out.loc[("COM", "01003"), "median_income"] == 23000.0 and out.loc[("DEP", "01"), "median_income"] == 22000
    assert out.reset_index()["year"].dtype == "int64"


def _inputs(n: int, other_regions: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    codes = [f"{1000 + i:05d}" for i in range(n)]
    census = pd.DataFrame({"commune": codes, "year": 2021})
    for indicator, share in (("share_baccalaureate", 0.45), ("share_blue_collar", 0.2), ("unemployment_rate", 0.12)):
        census[f"{indicator}_denominator"] = 1000.0
        census[f"{indicator}_numerator"] = 1000.0 * np.clip(rng.normal(share, share / 4, n), 0.01, 0.9)
    income = pd.DataFrame(
        {
            "level": "COM",
            "code": codes,
            "year": 2021,
            "median_income": rng.normal(22000, 2000, n),
            "population": rng.integers(100, 5000, n).astype(float),
        }  # fmt: skip
    )
    income.loc[0, ["median_income", "population"]] = np.nan  # a whole row « s »
    all_communes = pd.DataFrame(
        {
            "commune": codes,
            "region_code": np.where(np.arange(n) < n // 2, "84", "11") if other_regions else "84",
            "region_name": "Auvergne-Rhône-Alpes",
        }  # fmt: skip
    )
    return census, income, all_communes, all_communes[all_communes.region_code == "84"]


def test_the_fdep_is_france_s_when_the_files_cover_it_else_the_region_s():
    census, income, all_communes, region = _inputs(40, other_regions=True)
    table, model = deprivation_tables(census, income, all_communes, region)
    assert model.scope.iloc[0] == "France" and len(table) == 40 and model.communes_used.iloc[0] == 39
    census, income, all_communes, region = _inputs(40, other_regions=False)
    table, model = deprivation_tables(census, income, all_communes, region)
    assert model.scope.iloc[0] == "région Auvergne-Rhône-Alpes" and len(table) == 40
    first = table.iloc[0]
    assert np.isnan(first["fdep"]) and pd.isna(first["quintile"]) and np.isnan(first["median_income"])
    assert table["quintile"].dtype == "Int64" and list(model.variable) == [
        "median_income",
        "share_baccalaureate",
        "share_blue_collar",
        "unemployment_rate",
    ]
    assert model.explained_variance.iloc[0] > 0.25 and abs(model.weight).max() < 1


def test_without_files_no_fdep_and_the_reason_said():
    census, income, all_communes, region = _inputs(10, other_regions=False)
    table, model = deprivation_tables(census.iloc[0:0], income, all_communes, region)
    assert table["fdep"].isna().all() and "bases communales du recensement" in model.reason.iloc[0]


def _raw_demo_inputs() -> pd.DataFrame:
    """The FDep's inputs of the demo's communes read with pandas alone from the raw files."""
    read = lambda name: pd.read_csv(RAW / name, sep=";", dtype={"CODGEO": str}, na_values=["s"])  # noqa: E731
    emploi = read("recensement/base-cc-emploi-pop-active-2021.CSV")
    diplomes = read("recensement/base-cc-diplomes-formation-2021.CSV")
    filo = read("filosofi/cc_filosofi_2021_COM.csv")
    bac = diplomes[["P21_NSCOL15P_BAC", "P21_NSCOL15P_SUP2", "P21_NSCOL15P_SUP34", "P21_NSCOL15P_SUP5"]].sum(axis=1)
    shares = pd.DataFrame(
        {
            "commune": emploi["CODGEO"],
            "share_blue_collar": 100 * emploi["C21_ACT1564_CS6"] / emploi["C21_ACT1564"],
            "unemployment_rate": 100 * emploi["P21_CHOM1564"] / emploi["P21_ACT1564"],
        }
    ).merge(pd.DataFrame({"commune": diplomes["CODGEO"], "share_baccalaureate": 100 * bac / diplomes["P21_NSCOL15P"]}))
    income = filo.rename(columns={"CODGEO": "commune", "MED21": "median_income", "NBPERSMENFISC21": "population"})
    return income[["commune", "median_income", "population"]].merge(shares, on="commune")


def test_demo_deprivation_parquet_is_the_fdep_recomputed_by_hand(demo_processed: Path):
    dep = pd.read_parquet(demo_processed / "deprivation.parquet").set_index("commune")
    raw = _raw_demo_inputs().set_index("commune").loc[dep.index]
    variables = ["median_income", "share_baccalaureate", "share_blue_collar", "unemployment_rate"]
    ok = raw[variables + ["population"]].notna().all(axis=1)
    x, w = raw.loc[ok, variables].to_numpy(float), raw.loc[ok, "population"].to_numpy(float)
    mean = w @ x / w.sum()
    sd = np.sqrt(w @ (x - mean) ** 2 / w.sum())
    z = (x - mean) / sd
    values, vectors = np.linalg.eigh((z * w[:, None]).T @ z / w.sum())
    v = vectors[:, -1] * np.sign(vectors[3, -1])  # unemployment positive
    np.testing.assert_allclose(dep.loc[ok, "fdep"], z @ v, atol=1e-9)
    np.testing.assert_allclose(dep.loc[ok, variables], raw.loc[ok, variables], rtol=1e-12)
    assert dep.loc[~ok, "fdep"].isna().all() and dep.loc[~ok, "quintile"].isna().all()
    model = pd.read_parquet(demo_processed / "deprivation_model.parquet")
    assert model.explained_variance.iloc[0] == pytest.approx(values[-1] / 4)
    assert (model.communes_used.iloc[0], model.communes_excluded.iloc[0]) == (int(ok.sum()), int((~ok).sum()))
    # quintiles of population: each about a fifth of the population of the communes with an FDep
    shares = dep[ok].groupby("quintile")["population"].sum() / dep.loc[ok, "population"].sum()
    assert len(shares) == 5 and shares.between(0.1, 0.3).all()


def test_suppressed_filosofi_cells_are_never_filled_in(demo_processed: Path):
    raw = pd.read_csv(RAW / "filosofi" / "cc_filosofi_2021_COM.csv", sep=";", dtype=str)
    secret = set(raw.loc[raw["MED21"] == "s", "CODGEO"])
    poverty_secret = set(raw.loc[raw["TP6021"] == "s", "CODGEO"])
    assert len(secret) >= 20 and len(poverty_secret) > 200  # the demo has the real file's secret
    filo = pd.read_parquet(demo_processed / "filosofi.parquet")
    com = filo[filo.level == "COM"].set_index("code")
    assert com.loc[sorted(secret), "median_income"].isna().all()
    assert com.loc[sorted(poverty_secret), "poverty_rate"].isna().all()
    dep = pd.read_parquet(demo_processed / "deprivation.parquet").set_index("commune")
    assert dep.loc[sorted(secret), ["median_income", "fdep"]].isna().all().all()
    ind = pd.read_parquet(demo_processed / "indicators.parquet")
    territories = pd.read_parquet(demo_processed / "territories.parquet")
    members = territories.groupby("territory_code")["commune"].apply(set)
    only_secret = [code for code, communes in members.items() if communes <= secret]
    assert "CLS-VALLONS" in only_secret  # four villages, all secret: no median, no FDep, whatever the method
    assert ind[ind.territory_code.isin(only_secret) & ind.indicator.isin(["median_income", "deprivation_fdep"])].empty
    # an estimate from communes uses the published communes only: recomputed from them
    cls = ind[(ind.territory_code == "CLS-BRUMES") & (ind.indicator == "median_income")].iloc[0]
    mine = com.loc[sorted(members["CLS-BRUMES"])].dropna(subset=["median_income"])
    assert cls.value == pytest.approx((mine.median_income * mine.population).sum() / mine.population.sum())
    assert cls.level == "estimation" and set(members["CLS-BRUMES"]) & secret


def test_check_lists_the_social_files_and_the_fdep_it_will_compute():
    import io

    from diagnostics.pipeline.check import check_raw_folder

    out = io.StringIO()
    assert check_raw_folder(RAW, {}, out=out) == 0
    text = out.getvalue()
    for fragment in (
        "— Insee Filosofi : revenus et pauvreté (chiffres clés, DISP et DISP_PAUVRES, Melodi)",
        "5 fichiers : cc_filosofi_2021_COM.csv, cc_filosofi_2021_DEP.csv, cc_filosofi_2021_EPCI.csv",
        "cc_filosofi_2021_COM.csv : Filosofi 2021, 284 communes (sans valeur, secret statistique : ménages fiscaux 27,",
        "médiane du niveau de vie 27, taux de pauvreté à 60 % 252)",
        "cc_filosofi_2021_REG.csv : Filosofi 2021, 1 région ;",
        "— Recensement : bases communales activité, diplômes, couples - familles - ménages",
        "base-cc-emploi-pop-active-2021.CSV : recensement 2015 : 377 communes, 2 indicateur(s) ; recensement 2021",
        "taux de chômage des 15-64 ans 2021 : base-cc-emploi-pop-active-2021.CSV",
        "Indice de défavorisation FDep : 257 communes (région Région de Val-Brumeux (fictive), recensement 2021, "
        "Filosofi 2021), 27 sans indice (donnée manquante ou secret statistique) ; variance expliquée 80\u00a0%.",
    ):
        assert fragment in text, fragment
