"""The strings of a council's own look (its logo and colours on the portal) in Spanish and
Catalan: the settings form and its refusals; :mod:`plenaria.api.i18n` serves them."""

from __future__ import annotations

LOOK_STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "look_title": ("Aspecto del portal", "Aspecte del portal"),
    "look_hint": (
        "Logotipo y colores de las páginas públicas. Un color vacío deja el del portal.",
        "Logotip i colors de les pàgines públiques. Un color buit deixa el del portal.",
    ),
    "look_accent": ("Color de los enlaces (#rrggbb)", "Color dels enllaços (#rrggbb)"),
    "look_header": (
        "Color de fondo de la cabecera (#rrggbb)",
        "Color de fons de la capçalera (#rrggbb)",
    ),
    "look_colors_hint": (
        "Debe contrastar con el texto blanco al menos 4,5:1 (WCAG AA).",
        "Ha de contrastar amb el text blanc almenys 4,5:1 (WCAG AA).",
    ),
    "look_logo": ("Logotipo", "Logotip"),
    "look_logo_now": ("Logotipo actual", "Logotip actual"),
    "look_no_logo": ("Todavía no hay logotipo.", "Encara no hi ha logotip."),
    "look_logo_file": (
        "Imagen del logotipo (PNG, JPEG o SVG, hasta 500 kB)",
        "Imatge del logotip (PNG, JPEG o SVG, fins a 500 kB)",
    ),
    "look_logo_upload": ("Subir el logotipo", "Puja el logotip"),
    "look_logo_remove": ("Quitar el logotipo", "Treu el logotip"),
    "look_saved": ("Logotipo guardado.", "Logotip desat."),
    "look_removed": ("Logotipo quitado.", "Logotip tret."),
    "look_name_accent_color": ("Color de los enlaces", "Color dels enllaços"),
    "look_name_header_color": ("Color de la cabecera", "Color de la capçalera"),
    # Refusals: the API says them in Spanish, the settings page in its language.
    "look_err_contrast": (
        "{color}: {value} contrasta {ratio}:1 con el texto blanco, menos del 4,5:1 que pide "
        "WCAG AA; elija un color más oscuro.",
        "{color}: {value} contrasta {ratio}:1 amb el text blanc, menys del 4,5:1 que demana "
        "WCAG AA; trieu un color més fosc.",
    ),
    "look_err_type": (
        "El logotipo no es una imagen PNG, JPEG o SVG; suba el logotipo en uno de esos formatos.",
        "El logotip no és una imatge PNG, JPEG o SVG; pugeu el logotip en un d'aquests formats.",
    ),
    "look_err_size": (
        "El logotipo ocupa más de 500 kB; redúzcalo y vuelva a subirlo.",
        "El logotip ocupa més de 500 kB; reduïu-lo i torneu-lo a pujar.",
    ),
    "look_err_empty": (
        "No ha elegido ningún archivo; elija la imagen del logotipo.",
        "No heu triat cap fitxer; trieu la imatge del logotip.",
    ),
}
