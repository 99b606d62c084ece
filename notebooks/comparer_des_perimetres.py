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
# Paramètres : de 2 à 6 périmètres candidats, chacun « Nom=communes » (codes Insee séparés par des virgules, ou
# raccourcis EPCI:…, DEP:…, BV:…), et le dossier des tables produites par « python run_all.py ».
candidats = ["Nacre=96301,96302", "CC du Pays de Falroche=EPCI:200096003", "Hautes-Brumes=DEP:961"]
processed_dir = None  # None : data/processed du projet
generated = None  # date affichée (None : aujourd'hui)

# %%
import datetime as dt

from IPython.display import HTML, display

from diagnostics.reporting import report
from diagnostics.reporting.comparison import candidates_map, comparison, parse_candidates
from diagnostics.reporting.html import render
from diagnostics.reporting.perimeter import all_tables
from diagnostics.reporting.power_note import power_methods_html

tables = all_tables(processed_dir)
c = comparison(parse_candidates(candidats), tables)
display(
    HTML(
        render(
            "paragraph.html.j2",
            css_class="note",
            text=f"Comparaison de {len(candidats)} périmètres, produite le "
            f"{generated or dt.date.today().strftime('%d/%m/%Y')}.",
        )
    )
)

# %% [markdown]
# ## Les candidats côte à côte
#
# Population, plus petit écart de mortalité que chaque périmètre peut mettre en évidence (puissance de 80 %,
# risque de 5 %), indicateurs clés avec leur intervalle de confiance à 95 % et leur écart à la France. Un petit
# périmètre colle au terrain mais ne montre que de grands écarts ; un grand périmètre montre de petits écarts mais
# peut mélanger des communes très différentes.

# %%
display(
    HTML(
        report.html_table(
            c["summary"].set_index("Périmètre").T.reset_index(names="Indicateur"), "Les périmètres candidats"
        )
    )
)

# %% [markdown]
# ## Hétérogénéité interne et recouvrement
#
# **Hétérogénéité** : test du khi-deux d'homogénéité des ICM des communes du périmètre (Breslow et Day) ; les
# communes de moins de 5 décès attendus sont regroupées (dans l'ordre de leur code) avant le test. Un périmètre
# « hétérogène » réunit des communes dont la mortalité diffère plus que le hasard ne l'explique : un seul chiffre
# le décrit mal. **FDep** : indice de défavorisation des communes (plus il est élevé, plus la commune est
# défavorisée). **Recouvrement** : nombre de communes communes à deux candidats.

# %%
display(HTML(report.html_table(c["overlap"], "Communes partagées entre les candidats")))
display(HTML(power_methods_html()))

# %% [markdown]
# ## Carte des candidats

# %%
display(HTML(candidates_map(tables, c["definitions"])))
