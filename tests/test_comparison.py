"""« Comparer des périmètres » (issue 20): candidates parsed, figures of the build, heterogeneity, overlap."""

import html

import numpy as np
import pandas as pd
import pytest

from diagnostics.reporting.comparison import candidates_map, comparison, heterogeneity, parse_candidates
from diagnostics.reporting.perimeter import all_tables
from diagnostics.territories.perimeter import PerimeterError


@pytest.fixture(scope="module")
def tables(demo_processed):
    return all_tables(demo_processed)


def test_parse_candidates():
    assert parse_candidates(["Ville A=96001,96002", " B  C =EPCI:1"]) == [("Ville A", "96001,96002"), ("B C", "EPCI:1")]
    for bad, message in (
        (["A=1"], "de 2 à 6 candidats, 1 donné"),
        ([f"A{i}=1" for i in range(7)], "7 donné"),
        (["A=1", "sans signe égal"], "attendu « Nom=communes »"),
        (["A=1", "=2"], "Nom=communes"),
    ):
        with pytest.raises(PerimeterError, match=message):
            parse_candidates(bad)


def _definitions(groups):
    return pd.DataFrame(
        [(code, code, c) for code, communes in groups.items() for c in communes],
        columns=["territory_code", "territory_name", "commune"],
    )


def test_heterogeneity_on_constructed_cases():
    """Homogeneous: every commune at its expected count → X² = 0. One deviant group: 10 communes of 20
    expected deaths, one with 60 observed → X² large, p < 0,001. Small communes (E < 5) are grouped first."""
    communes = [f"c{i}" for i in range(10)]
    flat = pd.DataFrame({"commune": communes, "observed": 20.0, "expected": 20.0})
    deviant = flat.assign(observed=[60.0] + [20.0] * 9)
    defs = _definitions({"P": communes})
    h0 = heterogeneity(defs, flat).iloc[0]
    assert h0["statistic"] == pytest.approx(0) and h0["p_value"] == pytest.approx(1) and h0["df"] == 9
    h1 = heterogeneity(defs, deviant).iloc[0]
    fitted = 20 * 240 / 200  # each commune's share of the pooled SMR 1,2
    expected_x2 = (60 - fitted) ** 2 / fitted + 9 * (20 - fitted) ** 2 / fitted
    assert h1["statistic"] == pytest.approx(expected_x2) and h1["p_value"] < 0.001
    tiny = pd.DataFrame({"commune": communes, "observed": 1.0, "expected": 1.0})  # 10 × E = 1 → 2 groups of 5
    h2 = heterogeneity(defs, tiny).iloc[0]
    assert h2["units"] == 2 and h2["df"] == 1 and h2["statistic"] == pytest.approx(0)


def test_comparison_of_a_town_its_epci_and_its_departement(tables):
    terr = tables["territories"]
    epci = terr.loc[terr["territory_code"] == "200096003", "commune"].tolist()
    c = comparison(
        parse_candidates([f"Ville={epci[0]}", "CC de Falroche=EPCI:200096003", "Département=DEP:961"]), tables
    )
    s = c["summary"].set_index("Périmètre")
    assert list(s.index) == ["Ville", "CC de Falroche", "Département"]
    assert s.loc["CC de Falroche", "Communes"] == str(len(epci))
    # the EPCI's ICM as its built report shows it
    built = (
        tables["indicators"]
        .query("territory_code == '200096003' and indicator == 'mortality_icm' and sex == 'ensemble'")
        .sort_values("period")
        .iloc[-1]
    )
    assert s.loc["CC de Falroche", "Indice comparatif de mortalité (ICM)"].startswith(f"{round(built.value)} [")
    assert "hétérogène" in s.loc["Département", "Hétérogénéité de l'ICM entre communes"]
    overlap = c["overlap"].set_index("Communes communes")
    assert overlap.loc["CC de Falroche", "Département"] == str(len(epci))
    assert overlap.loc["Ville", "CC de Falroche"] == "1"
    excess = [float(v.split(" %")[0].lstrip("+").replace(",", ".")) for v in s["Écart de mortalité détectable"]]
    assert excess[0] > excess[1] > excess[2]  # larger perimeters show smaller gaps
    assert np.all(np.isfinite(excess))
    assert candidates_map(tables, c["definitions"]).startswith("<figure>")
    # the spread of the member communes: one commune's APL three times, the EPCI's from its own communes
    apl = tables["gp_accessibility"].set_index("commune")["apl"]
    column = "Accessibilité aux généralistes des communes (APL, min. – médiane – max.)"
    town = round(apl[epci[0]])
    assert s.loc["Ville", column] == f"{town} – {town} – {town}"
    low, mid, high = apl[epci].quantile([0, 0.5, 1]).round()
    assert s.loc["CC de Falroche", column] == f"{low:.0f} – {mid:.0f} – {high:.0f}"


def test_a_bad_candidate_is_named(tables):
    with pytest.raises(PerimeterError, match="candidat « B » : élément n° 1 « 99999 »"):
        comparison(parse_candidates(["A=96301", "B=99999"]), tables)


@pytest.mark.slow
def test_cli_comparer_writes_one_page(demo_processed, tmp_path):
    from diagnostics.pipeline.cli import main

    out = tmp_path / "reports"
    assert (
        main(
            [
                "--processed",
                str(demo_processed),
                "-o",
                str(out),
                "--comparer",
                "Nacre=96301,96302",
                "Falroche=EPCI:200096003",
            ]
        )
        == 0
    )
    assert [p.name for p in out.iterdir()] == ["comparaison-nacre-falroche.html"]
    page = html.unescape((out / "comparaison-nacre-falroche.html").read_text(encoding="utf-8"))
    assert "Communes partagées entre les candidats" in page and "Hétérogénéité de l'ICM entre communes" in page
    assert main(["--processed", str(demo_processed), "-o", str(tmp_path / "x"), "--comparer", "Seul=96301"]) == 2
