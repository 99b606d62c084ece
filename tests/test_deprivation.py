"""FDep (Rey et al. 2009): recomputed by hand on a handful of communes, oriented so that higher means
more deprived, population quintiles, communes with a missing input left out; then from the fixtures
through the readers."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostics.methods.deprivation import FDEP_VARIABLES, fdep, fdep_inputs, population_quintiles
from diagnostics.sources.census_bases import read_census_bases
from diagnostics.sources.filosofi import filosofi_communes, read_filosofi

VARIABLES = list(FDEP_VARIABLES)
# eight communes of the Ain (medians and populations of Filosofi 2021; census shares invented)
COMMUNES = pd.DataFrame(
    {
        "commune": ["01004", "01033", "01034", "01053", "01109", "01143", "01005", "01089"],
        "median_income": [21660, 23780, 21180, 20210, 33820, 46650, 24610, 25170],
        "share_baccalaureate": [44.0, 52.0, 40.5, 51.0, 63.0, 70.0, 45.0, 47.0],
        "share_blue_collar": [27.5, 21.0, 29.5, 19.5, 12.0, 7.5, 24.0, 26.0],
        "unemployment_rate": [12.4, 11.8, 13.5, 17.9, 5.5, 6.8, 7.0, 6.5],
        "population": [15092, 14862, 8591, 37019, 2144, 9475, 2028, 2353],
    }
)


def by_hand(df):
    """Weighted standardisation, 4 × 4 weighted correlation matrix, its first eigenvector with
    unemployment positive, scores and population quintiles, written out."""
    x = df[VARIABLES].to_numpy(float)
    w = df["population"].to_numpy(float)
    mean = (w[:, None] * x).sum(axis=0) / w.sum()
    sd = np.sqrt((w[:, None] * (x - mean) ** 2).sum(axis=0) / w.sum())
    z = (x - mean) / sd
    r = (w[:, None, None] * z[:, :, None] * z[:, None, :]).sum(axis=0) / w.sum()
    covariance = np.cov(x, rowvar=False, aweights=w, bias=True)  # numpy's own weighted moments agree
    assert np.allclose(r, covariance / np.outer(sd, sd), atol=1e-12)
    eigenvalues, vectors = np.linalg.eigh(r)
    v = vectors[:, -1] if vectors[3, -1] > 0 else -vectors[:, -1]
    score = z @ v
    order = np.argsort(score)
    middle = (np.cumsum(w[order]) - w[order] / 2) / w.sum()
    quintile = np.empty(len(w), int)
    quintile[order] = np.floor(middle * 5).astype(int) + 1
    return score, v, eigenvalues[-1] / 4, quintile, mean, sd


def test_fdep_equals_the_hand_computation():
    out, info = fdep(COMMUNES, scope="8 communes de l'Ain")
    score, v, explained, quintile, mean, sd = by_hand(COMMUNES)
    assert (
        list(out.columns) == ["commune", "fdep", "quintile"] and out["commune"].tolist() == COMMUNES["commune"].tolist()
    )
    np.testing.assert_allclose(out["fdep"], score, atol=1e-12)
    np.testing.assert_allclose([info["weights"][k] for k in VARIABLES], v, atol=1e-12)
    np.testing.assert_allclose([info["means"][k] for k in VARIABLES], mean)
    np.testing.assert_allclose([info["sds"][k] for k in VARIABLES], sd)
    assert info["explained_variance"] == pytest.approx(explained, abs=1e-12)
    assert out["quintile"].tolist() == quintile.tolist()
    # the figures of this data set (quoted in the report)
    assert [round(info["weights"][k], 4) for k in VARIABLES] == [-0.5515, -0.5478, 0.5097, 0.3686]
    assert round(info["explained_variance"], 4) == 0.7601
    # the component has weighted mean 0 and weighted variance λ₁
    w = COMMUNES["population"].to_numpy(float)
    assert np.average(score, weights=w) == pytest.approx(0, abs=1e-12)
    assert np.average(score**2, weights=w) == pytest.approx(4 * explained)
    assert info["loadings"]["median_income"] == pytest.approx(v[0] * np.sqrt(4 * explained))


def test_orientation_higher_is_more_deprived_whatever_the_column_order():
    out, info = fdep(COMMUNES)
    assert info["signs_as_expected"] is True
    assert info["weights"]["median_income"] < 0 and info["weights"]["share_baccalaureate"] < 0
    assert info["weights"]["share_blue_collar"] > 0 and info["weights"]["unemployment_rate"] > 0
    value = out.set_index("commune")["fdep"]
    # Bourg-en-Bresse (01053: lowest income, highest unemployment) vs Divonne-les-Bains (01143: richest)
    assert value["01053"] > 0 > value["01143"] and out.set_index("commune").loc["01143", "quintile"] == 1
    reversed_out, reversed_info = fdep(COMMUNES, variables=VARIABLES[::-1])
    np.testing.assert_allclose(reversed_out["fdep"], out["fdep"], atol=1e-12)
    assert reversed_info["weights"] == pytest.approx(info["weights"])


def test_a_commune_with_a_missing_input_has_no_fdep_and_does_not_move_the_others():
    gap = pd.concat(
        [
            COMMUNES,
            pd.DataFrame(
                {
                    "commune": ["01019"],
                    "median_income": [np.nan],
                    "share_baccalaureate": [35.0],
                    "share_blue_collar": [30.0],
                    "unemployment_rate": [9.0],
                    "population": [80],
                }
            ),
        ],
        ignore_index=True,
    )
    out, info = fdep(gap, scope="Ain")
    full, _ = fdep(COMMUNES)
    assert np.isnan(out["fdep"].iloc[-1]) and pd.isna(out["quintile"].iloc[-1])
    np.testing.assert_allclose(out["fdep"].iloc[:-1], full["fdep"], atol=1e-12)
    assert (info["communes_used"], info["communes_excluded"], info["population_excluded"]) == (8, 1, 80)
    assert info["missing_by_variable"]["median_income"] == 1
    assert info["details"][0] == (
        "Communes retenues pour le FDep (Ain) : 8, 91\u202f564 habitants ; 1 communes (80 habitants) "
        "sans FDep car une donnée manque (secret statistique ou absence : niveau de vie médian 1), "
        "exclues de l'analyse"
    )


def test_quintiles_hold_a_fifth_of_the_population_each_and_follow_the_index():
    rng = np.random.default_rng(2009)
    n = 2000
    deprivation = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "commune": [f"{i:05d}" for i in range(1000, 1000 + n)],
            "median_income": 23000 - 3000 * deprivation + rng.normal(0, 1500, n),
            "share_baccalaureate": 48 - 6 * deprivation + rng.normal(0, 4, n),
            "share_blue_collar": 22 + 5 * deprivation + rng.normal(0, 3, n),
            "unemployment_rate": 11 + 3 * deprivation + rng.normal(0, 2, n),
            "population": rng.lognormal(7, 1.2, n).round(),
        }
    )
    out, info = fdep(df)
    shares = np.array(info["quintile_population_share"])
    assert np.abs(shares - 0.2).max() < 0.01 and shares.sum() == pytest.approx(1)
    ranked = out.sort_values("fdep")
    assert ranked["quintile"].is_monotonic_increasing and set(ranked["quintile"]) == {1, 2, 3, 4, 5}
    assert info["quintile_upper_bound"] == sorted(info["quintile_upper_bound"])
    assert np.corrcoef(out["fdep"], deprivation)[0, 1] > 0.9  # oriented: the built-in deprivation
    shuffled, _ = fdep(df.sample(frac=1, random_state=1))  # deterministic whatever the row order
    assert shuffled.set_index("commune")["quintile"].sort_index().equals(out.set_index("commune")["quintile"])


def test_equal_scores_share_a_quintile():
    score = np.array([0.0, 1.0, 1.0, 2.0, 3.0, 4.0])
    w = np.array([10.0, 15.0, 15.0, 20.0, 20.0, 20.0])  # the two 1.0 straddle the 20 % boundary
    assert population_quintiles(score, w).tolist() == [1, 2, 2, 3, 4, 5]


def test_not_computable_says_why():
    out, info = fdep(COMMUNES.head(4))
    assert out["fdep"].isna().all() and info["reason"].startswith("4 commune(s) complète(s)")
    constant = COMMUNES.assign(unemployment_rate=9.0)
    out, info = fdep(constant)
    assert out["fdep"].isna().all() and info["reason"] == "variable(s) constante(s) sur les communes : taux de chômage"
    with pytest.raises(ValueError, match="one row per commune"):
        fdep(pd.concat([COMMUNES, COMMUNES]))


def test_inputs_from_numerators_and_denominators():
    census = pd.DataFrame(
        {
            "commune": ["01004", "01053", "01999"],
            "year": 2021,
            "share_baccalaureate_numerator": [50.0, 30.0, 0.0],
            "share_baccalaureate_denominator": [100.0, 60.0, 0.0],
            "share_blue_collar_numerator": [27.5, 19.5, 1.0],
            "share_blue_collar_denominator": [100.0, 100.0, 4.0],
            "unemployment_rate_numerator": [12.4, 35.8, 1.0],
            "unemployment_rate_denominator": [100.0, 200.0, 8.0],
        }
    )
    income = pd.DataFrame({"commune": ["01004", "01053"], "median_income": [21660.0, 20210.0]})
    population = pd.DataFrame({"commune": ["01004", "01053", "01999"], "population": [15092.0, 37019.0, 12.0]})
    x = fdep_inputs(census, income, population)
    assert x.columns.tolist() == ["commune", *VARIABLES, "population"]
    assert x.loc[1].tolist() == ["01053", 20210.0, 50.0, 19.5, 17.9, 37019.0]
    assert np.isnan(x.loc[2, "median_income"]) and np.isnan(x.loc[2, "share_baccalaureate"])  # 0 / 0 is no share
    with pytest.raises(ValueError, match="one year expected"):
        fdep_inputs(pd.concat([census, census.assign(year=2015)]), income, population)


def test_fdep_from_the_fixture_files():
    fixtures = Path(__file__).parent / "fixtures"
    income = filosofi_communes(read_filosofi([fixtures / "filosofi" / "cc_filosofi_2021_COM.csv"]))
    census = read_census_bases(sorted((fixtures / "census_bases").glob("base-cc-*-2021.CSV")))
    x = fdep_inputs(census[census["year"] == 2021], income, income[["commune", "population"]])
    out, info = fdep(x, scope="fixtures")
    value = out.set_index("commune")
    assert np.isnan(value.loc["01019", "fdep"])  # every Filosofi cell secret: no FDep, not an imputed one
    assert info["communes_used"] == 11 and info["signs_as_expected"]
    assert value.loc["01143", "quintile"] == 1 and value.loc["01034", "quintile"] == 5
    assert round(info["explained_variance"], 3) == 0.750
