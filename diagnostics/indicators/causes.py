"""Causes de décès: ICM by cause group (``cause_icm_<group>``) and avoidable mortality (mortalité
évitable, OECD/Eurostat 2022 list under 75, preventable and treatable; French « mortalité prématurée
évitable » under 65) as directly standardised rates with Dobson's interval.

Deaths by cause come from ``cause_deaths.parquet`` (:mod:`diagnostics.sources.causes_of_death`), by
commune (tidy file) or by département (CépiDc export). With communes, every territory gets its own
figures; with départements only, a territory made of whole départements (a département, the région)
sums them, any other takes its département's figures, flagged « valeur départementale » (level
« département »), as care spending does. France's figures are the file's ``FRANCE`` rows.

The cause file's age bands (ten-year classes of the CépiDc, or the project's five-year bands) are
used as they are: populations and standard weights are summed into them. Years: the last
``period_years`` consecutive years (at most) common to the cause file's local and national rows and
to the populations. A masked cell (secret statistique of the source) makes the sums it enters
unknown: the indicator is not computed for that area, with the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.methods import rates
from diagnostics.sources.causes_of_death import avoidable_fractions_of, band_bounds, cause_group_table, cause_groups_of

from ..config import FRANCE_CODE, MORTALITY_PERIOD_YEARS
from .common import ENSEMBLE, LEVEL_DEPARTEMENT, SEX_LABEL, departements_of_areas, rows, to_areas
from .mortality import period_label

AVOIDABLE = {  # indicator → (columns of the avoidable fractions summed, oldest age counted)
    "avoidable_mortality_dsr": (("preventable", "treatable"), 74),
    "preventable_mortality_dsr": (("preventable",), 74),
    "treatable_mortality_dsr": (("treatable",), 74),
    "premature_avoidable_mortality_dsr": (("premature_avoidable",), 64),
}
REASON_MASKED = "cellule(s) masquée(s) par la source (secret statistique) : décès inconnus"
REASON_FEW = "moins de 10 décès sur la période"
KEYS = ["territory_code", "sex", "cause_band"]
ALL_DEATHS = "all_deaths"
# cancers of one sex: no row for the other (a few male breast cancers would be masked, and with them, by
# complementary suppression, the women's figure)
ONE_SEX_ONLY = {"cancers_breast/hommes", "cancers_prostate/femmes"}
SHARE = "avoidable_mortality_share"
DEPARTEMENTAL_SOURCE = "Inserm-CépiDc, décès par cause et département de domicile"


def cause_group_ids() -> list[str]:
    """The groups of ``reference/cause_groups.csv``: ``cause_icm_<group>`` for each."""
    return cause_group_table()["group"].tolist()


def cause_period(causes: pd.DataFrame, population: pd.DataFrame, local_level: str, years: int) -> list[int]:
    """The last (at most) ``years`` consecutive years with local and national cause deaths and populations."""
    local = set(causes.loc[causes["level"] == local_level, "year"])
    national = set(causes.loc[causes["level"] == "FRANCE", "year"])
    common = sorted(local & national & set(population["year"]))
    if not common:
        return []
    chosen = [common[-1]]
    for y in reversed(common[:-1]):
        if len(chosen) == years or y != chosen[-1] - 1:
            break
        chosen.append(y)
    return sorted(chosen)


def _band_of(project_bands: pd.Series, cause_bands: pd.Series) -> pd.Series:
    """The cause band holding each project band (``00-04`` → ``00-04``; ``05-09`` → ``05-14``)."""
    p, c = band_bounds(project_bands), band_bounds(cause_bands)
    inside = (c["lower"].to_numpy()[None, :] <= p["lower"].to_numpy()[:, None]) & (
        p["upper"].to_numpy()[:, None] <= c["upper"].to_numpy()[None, :]
    )
    touching = (c["lower"].to_numpy()[None, :] <= p["upper"].to_numpy()[:, None]) & (
        p["lower"].to_numpy()[:, None] <= c["upper"].to_numpy()[None, :]
    )
    straddle = touching.any(axis=1) & ~inside.any(axis=1)
    if straddle.any():
        raise ValueError(
            f"décès par cause : la classe d'âge de population « {p['age_band'][straddle].iloc[0]} » n'est contenue "
            "dans aucune classe d'âge du fichier des causes ; regroupez les âges du fichier en classes de 5 ou 10 ans"
        )
    chosen = np.where(inside.any(axis=1), c["age_band"].to_numpy()[inside.argmax(axis=1)], None)
    return pd.Series(chosen, index=p["age_band"].to_numpy())


def _local_counts(
    values: pd.DataFrame, level: str, territories: pd.DataFrame, communes: pd.DataFrame, by: list[str], cols: list[str]
) -> pd.DataFrame:
    """Values of communes (``commune``) or départements (``departement_code``) summed to every area;
    ``level`` says which areas take their département's figures."""
    if level == "COM":
        return to_areas(values, territories, by, cols).assign(level="")
    deps = departements_of_areas(territories, communes)
    out = deps.merge(values, on="departement_code", how="inner")
    out = out.groupby(["territory_code", "level", *by], as_index=False, dropna=False)[cols].sum(min_count=1)
    return out


def _populations(population, france, territories, communes, years, band_of, level) -> pd.DataFrame:
    """territory_code, level, sex, cause_band, population (person-years over ``years``), France included."""
    pop = population[population["year"].isin(years)].assign(cause_band=lambda d: d["age_band"].map(band_of))
    pop = pop[pop["cause_band"].notna()]
    if level == "DEP":
        pop = pop.assign(departement_code=pop["commune"].map(communes.set_index("commune")["departement_code"]))
        pop = pop.groupby(["departement_code", "sex", "cause_band"], as_index=False)["population"].sum()
    local = _local_counts(pop, level, territories, communes, ["sex", "cause_band"], ["population"])
    fr = france[france["year"].isin(years)].assign(cause_band=lambda d: d["age_band"].map(band_of))
    fr = fr[fr["cause_band"].notna()].groupby(["sex", "cause_band"], as_index=False)["population"].sum()
    return pd.concat([local, fr.assign(territory_code=FRANCE_CODE, level="")], ignore_index=True)


def _deaths_by(causes: pd.DataFrame, level: str, territories, communes, key: str, weights: pd.DataFrame):
    """territory_code, level, sex, cause_band, ``key``, deaths, masked: cause deaths × ``weights`` (cause,
    [cause_band,] ``key``, weight) summed to every area, France included."""
    on = [c for c in ("cause", "cause_band") if c in weights]
    d = causes.merge(weights, on=on, how="inner")
    d = d.assign(deaths=d["deaths"].astype(float) * d["weight"], masked=d["suppressed"].astype(float))
    area_col = "commune" if level == "COM" else "departement_code"
    local = d[d["level"] == level].rename(columns={"code": area_col})
    sums = local.groupby([area_col, "sex", "cause_band", key], as_index=False)[["deaths", "masked"]].sum(min_count=1)
    local = _local_counts(sums, level, territories, communes, ["sex", "cause_band", key], ["deaths", "masked"])
    fr = d[d["level"] == "FRANCE"].groupby(["sex", "cause_band", key], as_index=False)[["deaths", "masked"]].sum()
    out = pd.concat([local, fr.assign(territory_code=FRANCE_CODE, level="")], ignore_index=True)
    return out.assign(masked=out["masked"].fillna(0) > 0, deaths=out["deaths"].fillna(0))


def _with_ensemble(df: pd.DataFrame, by: list[str], values: list[str]) -> pd.DataFrame:
    both = df.groupby(by, as_index=False, dropna=False)[values].sum().assign(sex=ENSEMBLE)
    return pd.concat([df.assign(sex=df["sex"].map(SEX_LABEL)), both], ignore_index=True)


def _icm_rows(deaths: pd.DataFrame, populations: pd.DataFrame, period: str) -> pd.DataFrame:
    """``cause_icm_<group>`` by sex and both sexes: observed / expected at France's rates by sex and band × 100."""
    fr_d = deaths[deaths["territory_code"] == FRANCE_CODE][["sex", "cause_band", "group", "deaths"]]
    fr_p = populations[populations["territory_code"] == FRANCE_CODE][["sex", "cause_band", "population"]]
    fr_rate = fr_d.merge(fr_p, on=["sex", "cause_band"]).assign(rate=lambda d: d["deaths"] / d["population"])
    groups = pd.DataFrame({"group": sorted(deaths["group"].unique())})
    e = populations.merge(groups, how="cross").merge(
        fr_rate[["sex", "cause_band", "group", "rate"]], on=["sex", "cause_band", "group"], how="left"
    )
    e = e.assign(expected=e["population"] * e["rate"].fillna(0))
    e = e.merge(deaths, on=["territory_code", "level", "sex", "cause_band", "group"], how="left")
    e = e.assign(deaths=e["deaths"].fillna(0), masked=e["masked"].fillna(False).astype(bool))
    by = ["territory_code", "level", "group"]
    e = e.groupby([*by, "sex"], as_index=False).agg(
        deaths=("deaths", "sum"), expected=("expected", "sum"), masked=("masked", "any")
    )
    e = _with_ensemble(e, by, ["deaths", "expected", "masked"])
    e = e[~(e["group"] + "/" + e["sex"]).isin(ONE_SEX_ONLY)].reset_index(drop=True)
    icm = rates.indirectly_standardised_ratio(e["deaths"], e["expected"], refvalue=100)
    out = pd.concat([e.reset_index(drop=True), icm.drop(columns=[c for c in icm if c in e])], axis=1)
    out = _masked(out.assign(numerator=out["deaths"], denominator=out["expected"]))
    return pd.concat(
        [
            rows(g, f"cause_icm_{group}", "indice (France = 100)", period=period).assign(reason=g["reason"].to_numpy())
            for group, g in out.groupby("group", sort=True)
        ],
        ignore_index=True,
    )


def _masked(df: pd.DataFrame) -> pd.DataFrame:
    masked = df["masked"].astype(bool)
    out = df.assign(reason=np.where(masked, REASON_MASKED, ""))
    out.loc[masked, ["value", "ci_low", "ci_high"]] = np.nan
    return out


def _dsr_rows(deaths, populations, standard, band_of, period) -> pd.DataFrame:
    """The four avoidable-mortality rates, by sex and both sexes, directly standardised on ``standard``."""
    weights = standard.assign(cause_band=standard["age_band"].map(band_of)).groupby("cause_band")["weight"].sum()
    upper = band_bounds(pd.Series(weights.index)).set_index("age_band")["upper"]
    frames = []
    for indicator, (_, oldest) in AVOIDABLE.items():
        d = deaths[deaths["indicator"] == indicator]
        if d.empty:
            continue
        bands = [b for b in weights.index if upper[b] <= oldest]
        pop = populations[populations["cause_band"].isin(bands)]
        data = pop.merge(d[KEYS + ["deaths", "masked"]], on=KEYS, how="left")
        data = data.assign(deaths=data["deaths"].fillna(0), masked=data["masked"].fillna(False).astype(bool))
        data = _with_ensemble(data, ["territory_code", "level", "cause_band"], ["population", "deaths", "masked"])
        data = data.assign(weight=data["cause_band"].map(weights))
        dsr = rates.directly_standardised_rate(data, by=["territory_code", "level", "sex"], weight="weight")
        masked = data.groupby(["territory_code", "level", "sex"], as_index=False)["masked"].any()
        dsr = _masked(dsr.merge(masked, on=["territory_code", "level", "sex"]))
        few = dsr["value"].isna() & (dsr["reason"] == "")
        dsr.loc[few, "reason"] = REASON_FEW
        frames.append(rows(dsr, indicator, "pour 100 000", period=period).assign(reason=dsr["reason"].to_numpy()))
    if frames:
        frames.append(_share_rows(deaths, upper, period))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _share_rows(deaths: pd.DataFrame, upper: pd.Series, period: str) -> pd.DataFrame:
    """``avoidable_mortality_share``: avoidable deaths among all deaths before 75, in %, Wilson interval."""
    under = deaths[deaths["cause_band"].map(upper) <= AVOIDABLE["avoidable_mortality_dsr"][1]]
    by = ["territory_code", "level", "sex"]
    sums = under.pivot_table(index=by, columns="indicator", values="deaths", aggfunc="sum", fill_value=0)
    masked = under.groupby(by)["masked"].any()
    d = _with_ensemble(
        sums.reset_index().assign(masked=masked.to_numpy()),
        ["territory_code", "level"],
        ["avoidable_mortality_dsr", ALL_DEATHS, "masked"],
    )
    share = rates.wilson_proportion(d["avoidable_mortality_dsr"], d[ALL_DEATHS])
    d = _masked(
        pd.concat([d.reset_index(drop=True), share], axis=1).assign(
            numerator=d["avoidable_mortality_dsr"].to_numpy(), denominator=d[ALL_DEATHS].to_numpy()
        )
    )
    return rows(d, SHARE, "%", period=period).assign(reason=d["reason"].to_numpy())


def _avoidable_weights(causes: pd.DataFrame) -> pd.DataFrame:
    """cause, cause_band, indicator, weight — for the indicators every cause of the file can be counted
    in (a CépiDc chapter such as « 2. Tumeurs » cannot be split into the lists' items: no rate)."""
    f = avoidable_fractions_of(causes["cause"], causes["cause_band"])
    with_deaths = causes.loc[causes["deaths"].fillna(1) > 0, ["cause", "cause_band"]].drop_duplicates()
    f = f.rename(columns={"age_band": "cause_band"})
    known = with_deaths.merge(f, on=["cause", "cause_band"])
    frames = []
    for indicator, (columns, _) in AVOIDABLE.items():
        if known[list(columns)].isna().any(axis=None):
            continue
        frames.append(f[["cause", "cause_band"]].assign(indicator=indicator, weight=f[list(columns)].sum(axis=1)))
    if frames:  # every death, for the avoidable share of the deaths before 75
        frames.append(f[["cause", "cause_band"]].assign(indicator=ALL_DEATHS, weight=1.0))
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["cause", "cause_band", "indicator", "weight"])
    )


def cause_indicators(
    causes: pd.DataFrame,
    population: pd.DataFrame,
    france: pd.DataFrame,
    territories: pd.DataFrame,
    communes: pd.DataFrame,
    standard: pd.DataFrame,
    period_years: int = MORTALITY_PERIOD_YEARS,
) -> pd.DataFrame:
    """``cause_icm_<group>`` and the avoidable-mortality rates for every area and France (empty
    without a cause file, or without national rows)."""
    if causes is None or causes.empty or not (causes["level"] == "FRANCE").any():
        return pd.DataFrame()
    level = "COM" if (causes["level"] == "COM").any() else "DEP"
    years = cause_period(causes, population, level, period_years)
    if not years:
        return pd.DataFrame()
    c = causes[causes["year"].isin(years) & causes["level"].isin([level, "FRANCE"])]
    band_of = _band_of(pd.Series(sorted(population["age_band"].unique())), pd.Series(c["age_band"].unique()))
    c = c.rename(columns={"age_band": "cause_band"})
    populations = _populations(population, france, territories, communes, years, band_of, level)
    groups = cause_groups_of(c["cause"]).assign(weight=1.0)
    group_deaths = _deaths_by(c, level, territories, communes, "group", groups)
    avoidable = _deaths_by(c, level, territories, communes, "indicator", _avoidable_weights(c))
    period = period_label(years) if len(years) > 1 else str(years[0])
    frames = [
        _icm_rows(group_deaths, populations, period),
        _dsr_rows(avoidable, populations, standard, band_of, period),
    ]
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    out["level"] = out["level"].fillna("")
    out.loc[out["level"] == LEVEL_DEPARTEMENT, "method"] = DEPARTEMENTAL_SOURCE
    return out
