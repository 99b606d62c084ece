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
# Paramètres : le dossier des tables produites par « python run_all.py », le type de territoires
# comparés dans les classements, l'entonnoir et la typologie (None : le plus nombreux, hors
# départements), et le nombre de groupes de la typologie.
processed_dir = None  # None : data/processed du projet
kind = None
groups = 4
generated = None  # date affichée dans l'en-tête (None : aujourd'hui)

# %%
import datetime as dt

from IPython.display import HTML, display

from diagnostics.methods import disclosure
from diagnostics.reporting import (
    overview,
    power_note,  # issue 20
    social_overview,  # issue 19
)
from diagnostics.reporting import overview_figures as parts
from diagnostics.reporting.territory import load_tables

tables = load_tables(processed_dir)
kind = overview.compared_kind(tables["territories"], kind)
display(HTML(parts.header_html(tables, kind, generated or dt.date.today().strftime("%d/%m/%Y"))))

# %% [markdown]
# ## Tous les territoires, tous les indicateurs
#
# Une ligne par territoire, une colonne par indicateur de la synthèse : la couleur et la mention disent
# si le territoire se distingue de la France. Les lignes du bas donnent la région, ses départements et la France.

# %%
display(HTML(parts.grid_html(tables)))

# %% [markdown]
# ## Classements, avec leurs intervalles de confiance
#
# Deux territoires dont les intervalles se chevauchent ne sont pas significativement différents : un rang
# ne suffit pas à les départager.

# %%
for indicator in parts.RANKED:
    display(HTML(parts.ranking_html(tables, indicator, kind)))

# %% [markdown]
# ## La mortalité selon la taille des territoires
#
# Le graphique en entonnoir place chaque territoire selon son nombre de décès attendus : un petit territoire
# peut avoir un ICM très élevé par le seul hasard ; seuls ceux qui sortent des limites s'écartent vraiment.

# %%
display(HTML(parts.funnel_html(tables, kind)))
display(HTML(power_note.underpowered_html(tables)))  # too small to show ±20 % (issue 20)

# %% [markdown]
# ## Typologie des territoires
#
# Les territoires sont regroupés selon leur profil sur l'ensemble des indicateurs de la synthèse, pour
# repérer ceux qui partagent les mêmes enjeux.

# %%
display(HTML(parts.typology_html(tables, kind, groups)))

# %% [markdown]
# ## État des contrats territoriaux
#
# Contrats locaux de santé (CLS), conseils locaux de santé mentale (CLSM), ateliers santé ville (ASV) et
# CPOM : signés, en cours d'élaboration, en intention ou échus.

# %%
display(HTML(parts.contracts_html(tables)))

# %% [markdown]
# ## Zones fragiles en médecins généralistes
#
# Les bassins de vie dont la densité de médecins généralistes libéraux est inférieure de plus de 30 % à celle de
# la France, et la part de la population de la région qui y vit : l'indicateur du contrat de l'ARS avec l'État.

# %%
from diagnostics.reporting import primary_care_section

display(HTML(primary_care_section.zones_fragiles_html(tables)))

# %% [markdown]
# ## Inégalités sociales de mortalité
#
# La mortalité, à âge égal, des habitants des communes classées en cinq quintiles de défavorisation (indice FDep),
# dans la région et ses départements ; puis, pour chaque territoire assez grand, l'indice de pente (écart de
# mortalité entre les plus défavorisés et les moins défavorisés) et l'indice relatif (leur rapport).

# %%
display(HTML(social_overview.regional_gradient_html(tables)))  # issue 19

# %% [markdown]
# ## Méthodes

# %%
display(HTML(parts.methods_html(groups, disclosure.build_threshold(tables))))
