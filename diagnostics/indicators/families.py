"""The indicator families: each has its section in the report, in this order."""

FAMILY_LABELS = {
    "population": "Population",
    "mortality": "Mortalité",
    "precarity": "Précarité",
    "consumption": "Consommation de soins",
    "medico_social": "Équipement médico-social",
    # issue 17
    "health_status": "État de santé : espérance de vie et causes de décès",
    "primary_care": "Offre de soins de premier recours",  # issue 18
    "social": "Contexte social et inégalités de santé",  # issue 19
}
