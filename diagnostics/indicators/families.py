"""The indicator families: each has its section in the report, in this order."""

FAMILY_LABELS = {
    "population": "Population",
    "mortality": "Mortalité",
    "precarity": "Précarité",
    "consumption": "Consommation de soins",
    "medico_social": "Équipement médico-social",
    "social": "Contexte social et inégalités de santé",  # issue 19
}
