# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Diagnostic territorial (Python 3)
#     language: python
#     name: diagnostic-territorial
# ---

# %% [markdown]
# # Explorer un territoire
#
# Point de départ des questions ponctuelles d'un CTS (« et chez les hommes de 45 à 64 ans ? »,
# « quelles communes pèsent le plus ? ») : charger les tables produites par `python run_all.py`,
# retrouver un indicateur du rapport en le recalculant à la main avec les fonctions du paquet,
# puis dessiner un graphique sur mesure. Rien ici n'est publié : respectez le secret statistique
# (le seuil de la construction, `t.threshold` : pas d'effectif de 1 à `t.threshold` − 1) avant de diffuser un chiffre.

# %% tags=["parameters"]
territory = "TS-NORD"
processed_dir = None  # None : data/processed du projet

# %% [markdown]
# ## 1. Les tables produites
#
# `load_tables` lit `data/processed/*.parquet` ; le dictionnaire des colonnes est dans le README.

# %%
import matplotlib.pyplot as plt

from diagnostics.indicators.mortality import mortality_period, pooled, yearly_counts
from diagnostics.methods import rates
from diagnostics.reporting.territory import load_tables, load_territory

tables = load_tables(processed_dir)
t = load_territory(territory, tables=tables)
print(
    f"{t.name} ({t.kind}) : {len(t.communes)} communes ; comparé à {t.departement_name}, {t.region_name} et la France"
)
{name: df.shape for name, df in tables.items()}

# %% [markdown]
# Les indicateurs du territoire, tels que le rapport les affiche (effectifs sous le seuil déjà masqués) :

# %%
t.indicators[["indicator", "sex", "category", "period", "value", "ci_low", "ci_high", "numerator", "sig_france"]].head(
    15
)

# %% [markdown]
# ## 2. Recalculer l'ICM à la main
#
# Décès observés du territoire sur la période, décès attendus si chaque classe d'âge et chaque sexe avaient
# les taux de la France, ICM = observés / attendus × 100 ; intervalle exact (Poisson) ou de Byar.

# %%
years = mortality_period(tables["deaths"], tables["population"])
members = tables["territories"][tables["territories"]["territory_code"] == territory]
counts = pooled(yearly_counts(tables["deaths"], tables["population"], tables["france_reference"], members), years)
local, france = counts[counts.territory_code == territory], counts[counts.territory_code == "FRANCE"]
france_rates = france.set_index(["sex", "age_band"]).eval("deaths / population").rename("france_rate")
expected = (local.set_index(["sex", "age_band"])["population"] * france_rates).sum()
observed = local["deaths"].sum()
by_hand = rates.indirectly_standardised_ratio([observed], [expected]).iloc[0]
reported = t.value_row("mortality_icm")
print(
    f"Décès observés {observed:.0f}, attendus {expected:.1f} : ICM {by_hand.value:.1f} "
    f"[{by_hand.ci_low:.1f} – {by_hand.ci_high:.1f}] ; dans le rapport : {reported.value:.1f} ({reported.period})"
)
assert abs(by_hand.value - reported.value) < 1e-6

# %% [markdown]
# ## 3. Une question ad hoc : la mortalité des 45–64 ans
#
# Même calcul, restreint à quatre classes d'âge. Vérifiez l'effectif avant de citer le résultat.

# %%
bands = ["45-49", "50-54", "55-59", "60-64"]
part = local[local.age_band.isin(bands)].set_index(["sex", "age_band"])
observed_45_64 = part["deaths"].sum()
expected_45_64 = (part["population"] * france_rates.reindex(part.index)).sum()
icm_45_64 = rates.indirectly_standardised_ratio([observed_45_64], [expected_45_64]).iloc[0]
print(
    f"45–64 ans : {observed_45_64:.0f} décès, ICM {icm_45_64.value:.0f} [{icm_45_64.ci_low:.0f} – "
    f"{icm_45_64.ci_high:.0f}]"
    + ("  (effectif sous le seuil : ne pas publier)" if 0 < observed_45_64 < t.threshold else "")
)

# %% [markdown]
# ## 4. Un graphique sur mesure : les communes du territoire
#
# Population et décès de la période par commune (les plus peuplées d'abord).

# %%
names = tables["communes"].set_index("commune")["commune_name"]
pop = tables["population"][tables["population"].commune.isin(t.communes) & (tables["population"].year == years[-1])]
by_commune = pop.groupby("commune")["population"].sum().sort_values(ascending=False).head(15)
fig, ax = plt.subplots(figsize=(7, 4))
ax.barh([names[c] for c in by_commune.index][::-1], by_commune.to_numpy()[::-1], color="#253494")
ax.set_xlabel(f"Habitants au 1er janvier {years[-1]}")
ax.set_title(f"Les communes les plus peuplées de {t.name}")
plt.show()
