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

# %% tags=["parameters"]
# Paramètres : le territoire à décrire (code du fichier territoires.csv) et le dossier des
# tables produites par « python run_all.py ». Modifiez « territory » puis relancez tout.
territory = "TS-NORD"
processed_dir = None  # None : data/processed du projet
generated = None  # date affichée dans l'en-tête (None : aujourd'hui)
# Un périmètre à la demande : une liste de communes (codes Insee, ou raccourcis EPCI:…, DEP:…, BV:…) et son nom ;
# « territory » est alors ignoré. Exemple : communes = "96101,96102,EPCI:200096001" ; nom = "Mon périmètre"
communes = None
nom = None

# %%
from IPython.display import HTML, display

from diagnostics.indicators.consumption import ITEM_LABELS
from diagnostics.reporting import (
    figures,
    health_section,
    narrative,
    report,
    social_section,  # issue 19
)
from diagnostics.reporting.perimeter import perimeter_notices_html, perimeter_tables
from diagnostics.reporting.power_note import power_html, power_methods_html  # issue 20
from diagnostics.reporting.territory import load_territory

perimeter = perimeter_tables(communes, nom, processed_dir) if communes else None
if perimeter:  # an ad hoc perimeter: its indicators computed now, for it alone (issue 20)
    territory, processed_dir = perimeter.code, perimeter.tables
t = load_territory(territory, processed_dir)
display(HTML(report.header_html(t, generated)))
display(HTML(perimeter_notices_html(perimeter)))

# %% [markdown]
# ## Synthèse
#
# Les messages clés ci-dessous sont rédigés automatiquement à partir des indicateurs : une différence
# n'est qualifiée de significative que si l'intervalle de confiance à 95 % exclut la valeur nationale.

# %%
display(HTML(narrative.messages_html(t)))
display(HTML(social_section.synthesis_html(t)))  # the territory's deprivation (issue 19)
display(HTML(figures.spine(t)))

# %% [markdown]
# ## Population
#
# La structure par âge explique une large part des écarts de mortalité, de dépenses et de besoins
# d'équipement : un territoire âgé a plus de décès et de dépenses sans être « en moins bonne santé ».

# %%
display(HTML(figures.pyramid(t)))
display(HTML(report.html_table(report.comparison_table(t, ["population", "share_75_plus"]), "Population")))
display(HTML(report.declared_indicators_html(t, "population")))

# %% [markdown]
# ## Mortalité
#
# Décès cumulés sur cinq ans pour que les petits territoires aient des effectifs suffisants.
# L'**indice comparatif de mortalité (ICM)** compare les décès observés à ceux qu'aurait le territoire
# avec les taux de mortalité de la France à chaque âge : 100 = comme la France ; 120 = 20 % de décès en plus
# à âge égal. Le **taux standardisé** donne le taux qu'aurait le territoire avec la structure d'âge de la
# population de référence.

# %%
display(HTML(report.deaths_basis_note(t)))
mortality = [
    "mortality_icm",
    "mortality_dsr",
    "mortality_crude_rate",
    "premature_mortality_icm",
    "premature_mortality_dsr",
]
for sex, title in (("ensemble", "Deux sexes"), ("hommes", "Hommes"), ("femmes", "Femmes")):
    display(HTML(report.html_table(report.comparison_table(t, mortality, sex=sex), f"Mortalité – {title}")))
display(HTML(power_html(t)))  # the smallest excess and deficit this territory can show (issue 20)

# %% [markdown]
# ### Mortalité par sexe et place du territoire dans la région

# %%
display(HTML(figures.mortality_by_sex(t, "mortality_icm")))
display(HTML(figures.mortality_by_sex(t, "premature_mortality_icm")))
display(HTML(figures.icm_trend(t)))
display(HTML(figures.region_ranking(t, "mortality_icm")))
display(HTML(figures.region_ranking(t, "premature_mortality_icm")))
display(HTML(report.declared_indicators_html(t, "mortality")))

# %% [markdown]
# ## Espérance de vie
#
# L'**espérance de vie** est le nombre moyen d'années que vivrait une personne si les taux de mortalité de
# chaque âge observés dans le territoire sur la période restaient les mêmes toute sa vie. Elle ne dépend pas
# de la structure par âge de la population : on peut comparer directement deux territoires. Un écart d'un an
# avec la France est important ; les intervalles de confiance disent si l'écart dépasse ce que le hasard
# expliquerait sur un petit territoire.

# %%
display(HTML(health_section.life_expectancy_html(t)))

# %% [markdown]
# ## Causes de décès
#
# Pour chaque grand groupe de causes (cause initiale du certificat de décès), l'**ICM** compare les décès du
# territoire à ceux qu'il aurait avec les taux de la France à chaque âge pour cette cause : 100 = comme la
# France. La **mortalité évitable** compte les décès avant 75 ans qui auraient pu être évités par la prévention
# (tabac, alcool, accidents, vaccination…) ou par des soins efficaces et à temps (liste OCDE-Eurostat) ; la
# **mortalité prématurée évitable** (avant 65 ans) retient les causes liées aux comportements à risque. Ce sont
# les leviers d'action d'un contrat local de santé.

# %%
display(HTML(health_section.causes_html(t)))

# %% [markdown]
# ### Tendances récentes
#
# Pour chaque indicateur disponible sur au moins cinq périodes, la tendance des cinq dernières est testée
# (méthode des profils Fingertips) ; l'alerte « pire que la France et en aggravation » signale un indicateur
# significativement défavorable qui continue de se dégrader.

# %%
display(HTML(health_section.trends_html(t)))

# %% [markdown]
# ## Précarité : Complémentaire santé solidaire
#
# La Complémentaire santé solidaire (CSS) a remplacé la CMU complémentaire (CMU-C) en novembre 2019.
# La part de la population qui en bénéficie est un repère de la précarité financière du territoire.

# %%
display(HTML(report.departemental_values_note(t, ["css_rate"])))
display(HTML(report.html_table(report.comparison_table(t, ["css_rate"]), "Bénéficiaires de la CSS (ex CMU-C)")))
display(HTML(report.css_split_html(t)))
display(HTML(figures.css_trend(t)))
display(HTML(report.declared_indicators_html(t, "precarity")))

# %% [markdown]
# ## Consommation de soins
#
# Montants remboursés par l'assurance maladie aux habitants du territoire. Les montants bruts dépendent de
# l'âge de la population ; l'**indice à âge égal** (France = 100) neutralise cet effet.

# %%
display(
    HTML(
        report.departemental_values_note(
            t, ["care_spending_per_capita", "care_spending_age_adjusted", "care_spending_index"]
        )
    )
)
display(HTML(figures.spending_by_item(t)))
display(
    HTML(
        report.html_table(
            report.category_table(t, "care_spending_per_capita", ITEM_LABELS), "Dépense remboursée par habitant (brute)"
        )
    )
)
display(
    HTML(
        report.html_table(
            report.category_table(t, "care_spending_age_adjusted", ITEM_LABELS),
            "Dépense remboursée par habitant ajustée sur l'âge",
        )
    )
)
display(HTML(report.html_table(report.comparison_table(t, ["care_spending_index"]), "Indice de dépense à âge égal")))
display(HTML(report.declared_indicators_html(t, "consumption")))

# %% [markdown]
# ## Équipement médico-social
#
# Places installées (répertoire FINESS) pour 1 000 habitants de la population concernée. Un territoire sans
# établissement n'est pas forcément mal desservi : ses habitants peuvent être accueillis dans un territoire voisin.

# %%
display(HTML(figures.equipment_by_family(t)))
for indicator, title in (
    ("equipment_elderly_rate", "Personnes âgées (pour 1 000 habitants de 75 ans ou plus)"),
    ("equipment_disabled_children_rate", "Enfance handicapée (pour 1 000 habitants de moins de 20 ans)"),
    ("equipment_disabled_adults_rate", "Adultes handicapés (pour 1 000 habitants de 20 à 59 ans)"),
):
    display(HTML(report.html_table(report.category_table(t, indicator), title)))
display(HTML(report.declared_indicators_html(t, "medico_social")))

# %% [markdown]
# ### Établissements et services du territoire

# %%
display(HTML(figures.establishments_map(t)))
display(HTML(report.html_table(report.establishments_table(t), "Établissements médico-sociaux (FINESS)")))

# %% [markdown]
# ## Offre de soins de premier recours
#
# Les médecins généralistes, infirmiers, masseurs-kinésithérapeutes, chirurgiens-dentistes, sages-femmes et
# pharmaciens **libéraux** du territoire, rapportés à sa population et comparés au département, à la région et à
# la France. L'**accessibilité potentielle localisée (APL)** tient compte des médecins des communes voisines (à moins
# de 20 minutes) et de l'âge des habitants : une commune sans cabinet n'est pas forcément mal desservie. Un bassin
# de vie dont la densité de médecins généralistes est inférieure de plus de 30 % à celle de la France est une
# « **zone fragile** » : la part de la population qui y vit est l'indicateur suivi par l'ARS.

# %%
from diagnostics.reporting import primary_care_section

display(HTML(primary_care_section.section_html(t)))

# %% [markdown]
# ## Contexte social et inégalités de santé
#
# La santé suit la position sociale : à chaque marche de l'échelle des revenus et des diplômes, la mortalité
# baisse. Ces indicateurs du recensement et des revenus fiscaux (Filosofi) situent le territoire : un excès de
# mortalité peut être celui de sa précarité. Le recensement donne des effectifs estimés, Filosofi des données
# exhaustives ; une valeur marquée « * » est une estimation à partir des EPCI ou des communes du territoire.

# %%
display(HTML(social_section.context_html(t)))

# %% [markdown]
# ### La défavorisation sociale des communes
#
# L'**indice de défavorisation FDep** résume quatre caractéristiques de chaque commune : revenu médian, part des
# bacheliers, part des ouvriers et taux de chômage. Les communes sont rangées en cinq groupes de même population,
# les **quintiles**, du moins défavorisé (Q1) au plus défavorisé (Q5) : un territoire « comme la région » a 20 %
# de sa population dans chaque quintile.

# %%
display(HTML(social_section.deprivation_html(t)))

# %% [markdown]
# ### Le gradient social de la mortalité
#
# La mortalité des habitants des communes de chaque quintile, à âge égal (ICM, France = 100). L'**indice de
# pente** (SII) mesure l'écart de mortalité entre les plus défavorisés et les moins défavorisés, en points d'ICM ;
# l'**indice relatif** (RII) le rapport entre les deux : 1,3 signifie 30 % de décès en plus chez les plus
# défavorisés. Il n'est calculé que pour un territoire assez grand.

# %%
display(HTML(social_section.gradient_html(t)))

# %% [markdown]
# ## Le territoire dans sa région
#
# Mortalité générale à âge égal (ICM) des territoires de la région, comparée à la France : rouge et triangle ▲,
# significativement supérieure ; vert et triangle ▼, significativement inférieure ; orange et rond, pas de
# différence significative. La valeur de l'ICM est écrite sur chaque territoire.

# %%
display(HTML(figures.region_map(t, "mortality_icm")))

# %%
display(HTML(report.targets_html(t)))  # « Suivi des objectifs », when the territory has a contract

# %% [markdown]
# ## Méthodes et sources
#
# Les définitions ci-dessous sont produites à partir des mêmes métadonnées que les tableaux.
# **Intervalles de confiance** à 95 %. **Significativité** : le territoire est dit significativement
# supérieur (ou inférieur) à un comparateur lorsque son intervalle de confiance est entièrement au-dessus
# (ou au-dessous) de la valeur du comparateur.

# %%
display(HTML(report.disclosure_note(t)))
display(HTML(report.html_table(report.methods_table(t), "Définitions des indicateurs")))
display(HTML(power_methods_html()))
display(HTML(social_section.fdep_methods_html(t)))  # the FDep's weights and explained variance (issue 19)
display(HTML(report.sources_note(t)))
display(report.csv_export(t))  # the territory's CSV, written beside the HTML by run_all.py
