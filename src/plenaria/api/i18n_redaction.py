"""The editor's strings for redaction (parts kept off the public copy: silent and black in
the video, absent from every public text) in Spanish and Catalan; :mod:`plenaria.api.i18n`
serves them with the page's, and the page hands them to ``static/editor/redaction.js``."""

from __future__ import annotations

REDACTION_STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "red_button": ("Censurar la selección…", "Censura la selecció…"),
    "red_button_aria": (
        "Censurar la selección… (Mayúsculas+flechas seleccionan palabras desde la actual)",
        "Censura la selecció… (Majúscules+fletxes seleccionen paraules des de l'actual)",
    ),
    "red_pick": (
        "Seleccione antes las palabras que censurar: con el ratón, o con Mayúsculas+flechas "
        "desde una palabra.",
        "Seleccioneu abans les paraules que cal censurar: amb el ratolí, o amb "
        "Majúscules+fletxes des d'una paraula.",
    ),
    "red_untimed": (
        "Las palabras seleccionadas aún no tienen tiempos: guarde los cambios y vuelva a "
        "seleccionarlas.",
        "Les paraules seleccionades encara no tenen temps: deseu els canvis i torneu-les a "
        "seleccionar.",
    ),
    "red_chosen": (
        "Se censurará de {start} a {end}: «{text}».",
        "Es censurarà de {start} a {end}: «{text}».",
    ),
    "red_reason": ("Motivo de la censura (obligatorio)", "Motiu de la censura (obligatori)"),
    "red_reason_needed": ("Escriba el motivo de la censura.", "Escriviu el motiu de la censura."),
    "red_ok": ("Censurar", "Censura"),
    "red_cancel": ("Cancelar", "Cancel·la"),
    "red_saving": (
        "Censurando… (si la sesión está publicada, su copia pública se rehace)",
        "S'està censurant… (si la sessió està publicada, se'n refà la còpia pública)",
    ),
    "red_saved": ("Censurado de {start} a {end}.", "Censurat de {start} a {end}."),
    "red_error": ("No se ha censurado:", "No s'ha censurat:"),
    "red_list_h": ("Partes censuradas", "Parts censurades"),
    "red_none": ("Ninguna parte censurada.", "Cap part censurada."),
    "red_item": ("{start}–{end}: {reason}", "{start}–{end}: {reason}"),
    "red_when": ("censurado el {when}", "censurat el {when}"),
    "red_remove": ("Quitar", "Treu"),
    "red_remove_aria": (
        "Quitar la censura de {start} a {end}",
        "Treu la censura de {start} a {end}",
    ),
    "red_removing": ("Quitando la censura…", "S'està traient la censura…"),
    "red_removed": ("Censura de {start} a {end} quitada.", "Censura de {start} a {end} treta."),
    "red_remove_error": ("No se ha quitado la censura:", "No s'ha tret la censura:"),
    "red_load_error": (
        "No se han podido cargar las partes censuradas:",
        "No s'han pogut carregar les parts censurades:",
    ),
    "red_mark": ("censurado: {reason}", "censurat: {reason}"),
    "red_mark_end": ("fin de la parte censurada", "fi de la part censurada"),
    "red_tag": ("censurado", "censurat"),
}
