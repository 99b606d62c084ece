"""The one vocabulary of readings: every significance × polarity, masked rows, legend order, rank."""

from collections import namedtuple

import numpy as np
import pandas as pd
import pytest

from diagnostics.reporting import readings
from diagnostics.reporting.readings import NOT_COMPUTABLE, READINGS, judgement, reading, reading_keys
from diagnostics.reporting.territory import load_territory

Row = namedtuple("Row", "indicator small_count sig_france sig_departement sig_region")

SIGNIFICANCES = ["supérieur", "inférieur", "pas de différence significative", "non testé", "non calculable"]
# (significance, polarity) → reading key; polarity as ``higher_is`` in metadata.yaml
EXPECTED = {
    ("supérieur", "worse"): "pire",
    ("inférieur", "worse"): "meilleur",
    ("supérieur", "better"): "meilleur",
    ("inférieur", "better"): "pire",
    ("supérieur", "neither"): "supérieur",
    ("inférieur", "neither"): "inférieur",
    **{("pas de différence significative", p): "similaire" for p in ("worse", "better", "neither")},
    **{("non testé", p): "non testé" for p in ("worse", "better", "neither")},
    **{("non calculable", p): "non calculable" for p in ("worse", "better", "neither")},
}


@pytest.mark.parametrize(("sig", "higher_is"), sorted(EXPECTED))
def test_judgement_of_every_significance_and_polarity(sig, higher_is):
    assert judgement(sig, higher_is) == EXPECTED[(sig, higher_is)]


@pytest.mark.parametrize("sig", ["", "?", "significatif", None, np.nan])
def test_an_unknown_or_empty_significance_reads_not_computable(sig):
    for higher_is in ("worse", "better", "neither"):
        assert judgement(sig, higher_is) == "non calculable"


@pytest.mark.parametrize(("sig", "higher_is"), sorted(EXPECTED))
def test_reading_of_a_row_applies_the_indicator_polarity(monkeypatch, sig, higher_is):
    # one indicator of each polarity (metadata.yaml has no « better » indicator yet)
    monkeypatch.setattr(readings, "indicator_metadata", lambda: {"x": {"higher_is": higher_is}})
    got = reading(Row("x", False, sig, "", ""))
    assert got is READINGS[EXPECTED[(sig, higher_is)]]


def test_reading_uses_the_real_metadata_polarity():
    # mortality: higher is worse; share of the 75+: neither; spending: not tested (exhaustive data)
    assert reading(Row("mortality_icm", False, "supérieur", "", "")).label == "significativement pire"
    assert reading(Row("mortality_icm", False, "inférieur", "", "")).label == "significativement meilleur"
    assert reading(Row("share_75_plus", False, "supérieur", "", "")).label == "significativement supérieur"
    assert reading(Row("share_75_plus", False, "inférieur", "", "")).label == "significativement inférieur"
    assert reading(Row("css_rate", False, "pas de différence significative", "", "")).label == (
        "pas de différence significative"
    )
    assert reading(Row("care_spending_per_capita", False, "non testé", "", "")).label == "non testé"


@pytest.mark.parametrize("sig", SIGNIFICANCES + [""])
@pytest.mark.parametrize("small", [True, np.bool_(True), 1])
def test_a_masked_row_reads_not_computable_whatever_its_significance(sig, small):
    assert reading(Row("mortality_icm", small, sig, sig, sig)) is NOT_COMPUTABLE


def test_a_row_without_small_count_column_is_not_masked():
    Bare = namedtuple("Bare", "indicator sig_france")
    assert reading(Bare("mortality_icm", "supérieur")).key == "pire"


def test_reading_against_departement_and_region():
    row = Row("mortality_icm", False, "supérieur", "inférieur", "pas de différence significative")
    assert reading(row).key == "pire"
    assert reading(row, "departement").key == "meilleur"
    assert reading(row, "region").key == "similaire"


def test_reading_of_a_series_like_a_tuple():
    s = pd.Series({"indicator": "mortality_icm", "small_count": False, "sig_france": "inférieur"})
    assert reading(s).key == "meilleur"
    s["small_count"] = True
    assert reading(s).key == "non calculable"


def test_reading_keys_keeps_the_row_order():
    rows = pd.DataFrame(
        {
            "indicator": ["mortality_icm", "share_75_plus", "mortality_icm", "css_rate", "care_spending_index"],
            "small_count": [False, False, True, False, False],
            "sig_france": ["supérieur", "inférieur", "supérieur", "pas de différence significative", "non testé"],
            "sig_region": ["inférieur", "supérieur", "supérieur", "supérieur", "non testé"],
        }
    )
    assert reading_keys(rows) == ["pire", "inférieur", "non calculable", "similaire", "non testé"]
    assert reading_keys(rows, "region") == ["meilleur", "supérieur", "non calculable", "pire", "non testé"]
    assert reading_keys(rows.iloc[:0]) == []


def test_readings_are_in_legend_order_with_their_texts():
    assert [(r.key, r.label, r.legend, r.short, r.rank) for r in READINGS.values()] == [
        ("pire", "significativement pire", "Significativement pire que la France", "pire", 0),
        ("meilleur", "significativement meilleur", "Significativement meilleur que la France", "meilleur", 1),
        ("similaire", "pas de différence significative", "Pas de différence significative", "similaire", 5),
        (
            "supérieur",
            "significativement supérieur",
            "Significativement supérieur (ni meilleur ni pire)",
            "supérieur",
            2,
        ),
        (
            "inférieur",
            "significativement inférieur",
            "Significativement inférieur (ni meilleur ni pire)",
            "inférieur",
            2,
        ),
        ("non testé", "non testé", "Non testé (données exhaustives)", "non testé", 4),
        (
            "non calculable",
            "non calculable (effectif trop faible)",
            "Non calculable (effectif trop faible)",
            "non calculable",
            3,
        ),
    ]
    assert all(key == r.key for key, r in READINGS.items())
    assert NOT_COMPUTABLE is READINGS["non calculable"]


def test_rank_puts_points_of_attention_first():
    by_rank = sorted(READINGS.values(), key=lambda r: r.rank)
    assert [r.key for r in by_rank] == [
        "pire",
        "meilleur",
        "supérieur",
        "inférieur",
        "non calculable",
        "non testé",
        "similaire",
    ]


def test_phrase_is_the_legend_inside_a_sentence():
    assert READINGS["pire"].phrase == "significativement pire que la France"
    assert READINGS["similaire"].phrase == "pas de différence significative"
    assert READINGS["non testé"].phrase == "non testé (données exhaustives)"
    assert READINGS["non calculable"].phrase == "non calculable (effectif trop faible)"


def test_readings_are_frozen():
    with pytest.raises(AttributeError):
        READINGS["pire"].label = "autre"


def test_readings_of_demo_rows(demo_processed, demo_tables):
    raw = pd.read_parquet(demo_processed / "indicators.parquet")
    nord = load_territory("TS-NORD", tables=demo_tables)
    icm = nord.value_row("mortality_icm")
    assert icm.sig_france == "supérieur" and reading(icm).key == "pire"
    assert reading(nord.value_row("share_75_plus")).key == "supérieur"
    assert reading(nord.value_row("care_spending_per_capita")).key == "non testé"
    # the raw 2020-2022 ICM of this CLS is « inférieur », but on 1 death: masked, so not computable
    vallons = load_territory("CLS-VALLONS", tables=demo_tables)
    r = raw[
        (raw.territory_code == "CLS-VALLONS")
        & (raw.indicator == "mortality_icm_trend")
        & (raw.sex == "ensemble")
        & (raw.period == "2020-2022")
    ].iloc[0]
    assert r.sig_france == "inférieur" and bool(r.small_count)
    assert reading(r).key == "non calculable"
    assert reading(vallons.value_row("mortality_icm_trend", period="2020-2022")).key == "non calculable"
