"""The strings of a council's languages (those spoken in its plenos) in Spanish and Catalan:
the settings field, its help and its refusals; :mod:`plenaria.api.i18n` serves them."""

from __future__ import annotations

LANGUAGE_STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "set_languages": ("Idiomas del pleno", "Idiomes del ple"),
    "set_languages_hint": (
        "Códigos de idioma separados por comas, p. ej. ca, es: cada intervención queda "
        "transcrita en su propio idioma entre estos, sin traducir. Vacío: se detecta cualquier "
        "idioma.",
        "Codis d'idioma separats per comes, p. ex. ca, es: cada intervenció es transcriu en el "
        "seu propi idioma entre aquests, sense traduir-la. Buit: es detecta qualsevol idioma.",
    ),
    "lang_err_code": (
        "Idiomas del pleno: «{code}» no es un código de idioma. Escriba códigos de dos o tres "
        "letras separados por comas, p. ej. ca, es.",
        "Idiomes del ple: «{code}» no és un codi d'idioma. Escriviu codis de dues o tres "
        "lletres separats per comes, p. ex. ca, es.",
    ),
    "lang_err_many": (
        "Idiomas del pleno: como máximo {n} idiomas.",
        "Idiomes del ple: com a màxim {n} idiomes.",
    ),
}
