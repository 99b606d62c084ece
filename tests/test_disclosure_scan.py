"""Scanning test of the secret statistique: every demo report is built, plus « CLS-SECRET », a
one-commune contract chosen to exercise the secondary rules (a year with fewer than 11 deaths that
the rolling three-year windows and the five-year period would give back; a CSS part of fewer than
11 beneficiaries). Then, like an attacker holding every published file:

* every number of each report is read back from the HTML text, the alt texts, the text of the
  SVG figures and the CSV; no masked row's confidence interval appears anywhere;
* the counts published in the CSV are put into one linear system with the relations that hold
  between them (hommes + femmes = ensemble; the parts of a total; deaths of a period = the sum of
  its years; all ages = before 65 + 65 and over); no unpublished count that this system solves is
  between 1 and 10.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from report_text import channels

from diagnostics import config
from diagnostics.formatting import fr_interval, parse_fr_number
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.methods.disclosure import period_years

SECRET = "CLS-SECRET"
THRESHOLD = config.DISCLOSURE_THRESHOLD


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(reports folder, processed folder) of the demo with CLS-SECRET and a CSS split."""
    root = tmp_path_factory.mktemp("scan")
    raw = root / "raw"
    shutil.copytree(config.DEMO_RAW_DIR, raw)
    with open(raw / "territoires.csv", "a", encoding="utf-8") as f:
        f.write(f"{SECRET};CLS de la commune de test du secret;contrat local de santé;96122\n")
    css = pd.read_csv(raw / "css" / "beneficiaires_css.csv", sep=";", dtype={"territoire_code": str})
    css["nb_css_participation"] = (css["nb_beneficiaires_css"] * 0.2).round().astype(int)
    css["nb_css_gratuite"] = css["nb_beneficiaires_css"] - css["nb_css_participation"]
    css.to_csv(raw / "css" / "beneficiaires_css.csv", sep=";", index=False)
    out, processed = root / "reports", root / "processed"
    r = subprocess.run(
        [
            sys.executable,
            str(config.PROJECT_ROOT / "run_all.py"),
            "--raw",
            str(raw),
            "--output",
            str(out),
            "--processed",
            str(processed),
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return out, processed


def territories(out) -> list[str]:
    return sorted(p.stem for p in out.glob("*.csv"))


@pytest.mark.slow
def test_the_secret_territory_exercises_the_secondary_rules(built):
    out, processed = built
    ind = pd.read_parquet(processed / "indicators.parquet")
    mine = ind[ind.territory_code == SECRET]
    trend = mine[(mine.indicator == "mortality_icm_trend") & (mine.sex == "ensemble")]
    assert (trend.numerator >= THRESHOLD).all() and trend.small_count.all()  # masked by the secondary rule only
    css = mine[(mine.indicator == "css_rate") & (mine.period == mine.period.max())].set_index("category")
    assert css.loc["participation", "numerator"] < THRESHOLD <= css.loc["gratuite", "numerator"]
    assert css.loc["gratuite", "small_count"] and not css.loc["total", "small_count"]


@pytest.mark.slow
def test_no_masked_interval_can_be_read_in_any_channel(built):
    out, processed = built
    meta = indicator_metadata()
    ind = pd.read_parquet(processed / "indicators.parquet")
    checked = 0
    for code in territories(out):
        seen = channels(out, code)
        masked = ind[(ind.territory_code == code) & ind.small_count & ind.ci_low.notna()]
        for r in masked.itertuples():
            interval = fr_interval(r.ci_low, r.ci_high, meta[r.indicator]["decimals"])
            for name, text in seen.items():
                assert interval not in text, (
                    f"{code} {r.indicator} {r.sex} {r.category} {r.period} : {interval} dans {name}"
                )
            checked += 1
    assert checked >= 30
    # in the other territories' figures, a masked territory is said « non calculable », not drawn
    brumes = channels(out, "CLS-BRUMES")["alt"]
    assert "CLS des Hauts-Vallons : non calculable (effectif trop faible)" in brumes
    assert "CLS des Hauts-Vallons : –, non calculable (effectif trop faible)" in brumes  # the map


def published_counts(csv: pd.DataFrame) -> dict[tuple, float | None]:
    """(family, sex, category, period) → count as published (None when masked)."""
    families = {
        "mortality_icm": "deaths",
        "mortality_dsr": "deaths",
        "mortality_crude_rate": "deaths",
        "mortality_icm_trend": "deaths",
        "premature_mortality_icm": "premature",
        "premature_mortality_dsr": "premature",
        "css_rate": "css",
    }
    out: dict[tuple, float | None] = {}
    for r in csv[csv.indicateur.isin(families)].itertuples():
        key = (families[r.indicateur], r.sexe, r.categorie, str(r.periode))
        value = None if pd.isna(r.effectif) or str(r.effectif).startswith("<") else parse_fr_number(str(r.effectif))
        if out.get(key) is None:
            out[key] = value
    return out


def solvable_unpublished(published: dict[tuple, float | None]) -> dict[tuple, float]:
    """The attacker: unknowns are every published or masked count plus the counts never published
    (single years, deaths at 65 and over); relations between them and the published values form a
    linear system; returns the unpublished unknowns it determines, with their values."""
    keys = set(published)
    years = sorted({y for (fam, _, _, p) in keys if fam != "css" for y in period_years(p)})
    sexes = ("ensemble", "hommes", "femmes")
    for sex in sexes:
        keys |= {("deaths", sex, "total", str(y)) for y in years}
        keys |= {("old", sex, "total", p) for (fam, _, _, p) in published if fam == "premature"}
    unknowns = sorted(keys)
    index = {k: i for i, k in enumerate(unknowns)}
    rows, rhs = [], []

    def relation(total, parts):
        if total in index and all(p in index for p in parts):
            row = np.zeros(len(unknowns))
            row[index[total]] = 1
            for p in parts:
                row[index[p]] -= 1
            rows.append(row)
            rhs.append(0.0)

    for fam, sex, cat, period in list(index):
        if fam == "deaths" and "-" in period:
            relation((fam, sex, cat, period), [(fam, sex, cat, str(y)) for y in period_years(period)])
        if fam == "premature":
            relation(("deaths", sex, cat, period), [(fam, sex, cat, period), ("old", sex, cat, period)])
        if sex == "ensemble":
            relation((fam, sex, cat, period), [(fam, "hommes", cat, period), (fam, "femmes", cat, period)])
        if fam == "css" and cat == "total":
            relation((fam, sex, cat, period), [(fam, sex, part, period) for part in ("gratuite", "participation")])
    for key, value in published.items():
        if value is not None:
            row = np.zeros(len(unknowns))
            row[index[key]] = 1
            rows.append(row)
            rhs.append(value)
    a, b = np.array(rows), np.array(rhs)
    solution, *_ = np.linalg.lstsq(a, b, rcond=None)
    rank = np.linalg.matrix_rank(a)
    found = {}
    for key, i in index.items():
        if published.get(key) is None and np.linalg.matrix_rank(np.delete(a, i, axis=1)) < rank:
            found[key] = float(solution[i])
    return found


def test_the_attacker_finds_a_count_when_the_rules_are_off():
    """The solver is not blind: with a sex and a year left unmasked, it gives the masked counts back."""
    published = {
        ("deaths", "ensemble", "total", "2019-2021"): 30.0,
        ("deaths", "hommes", "total", "2019-2021"): 24.0,
        ("deaths", "femmes", "total", "2019-2021"): None,
    }
    assert solvable_unpublished(published) == {("deaths", "femmes", "total", "2019-2021"): pytest.approx(6.0)}
    windows = {
        ("deaths", "ensemble", "total", p): v
        for p, v in (("2018-2020", 30.0), ("2021-2023", 44.0), ("2019-2023", 70.0))
    }
    assert solvable_unpublished(windows)[("deaths", "ensemble", "total", "2018")] == pytest.approx(4.0)


@pytest.mark.slow
def test_no_masked_count_can_be_recovered_from_the_published_counts(built):
    out, _ = built
    solved_somewhere = 0
    for code in territories(out):
        csv = pd.read_csv(out / f"{code}.csv", sep=";", encoding="utf-8-sig", dtype=str)
        found = solvable_unpublished(published_counts(csv))
        solved_somewhere += len(found)
        small = {k: v for k, v in found.items() if 0.5 <= v < THRESHOLD - 0.5}
        assert not small, f"{code} : effectifs masqués recalculables {small}"
    assert solved_somewhere > 0  # large territories do give unpublished counts back (≥ 11: allowed)
