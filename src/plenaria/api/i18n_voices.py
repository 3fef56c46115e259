"""The strings of a person's voice (its samples, learned from corrections; reset and delete)
on the roster's person page, in Spanish and Catalan; :mod:`plenaria.api.i18n` serves them."""

from __future__ import annotations

VOICE_STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "voice_title": ("Voz", "Veu"),
    "voice_hint": (
        "Huellas de voz con las que Plenaria reconoce a esta persona en los próximos plenos "
        "(nunca el audio). Se aprenden cuando alguien del ayuntamiento le asigna una voz en "
        "la transcripción. Son datos personales: puede olvidar lo aprendido o borrarlas.",
        "Empremtes de veu amb què Plenaria reconeix aquesta persona als propers plens "
        "(mai l'àudio). S'aprenen quan algú de l'ajuntament li assigna una veu a la "
        "transcripció. Són dades personals: podeu oblidar el que s'ha après o esborrar-les.",
    ),
    "voice_none": (
        "Aún no hay ninguna muestra de su voz: no se la nombra de forma automática.",
        "Encara no hi ha cap mostra de la seva veu: no se l'anomena automàticament.",
    ),
    "voice_total": ("Segundos de voz: {seconds}", "Segons de veu: {seconds}"),
    "voice_source": ("Origen", "Origen"),
    "voice_enrolled": ("Registrada", "Registrada"),
    "voice_correction": ("Aprendida de una corrección", "Apresa d'una correcció"),
    "voice_session": ("Sesión", "Sessió"),
    "voice_label": ("Voz en la sesión", "Veu a la sessió"),
    # a voice's label in its session, as the editor shows it unnamed (domain.UNNAMED_SPEAKER)
    "voice_unnamed": ("Interviniente", "Intervinent"),
    "voice_seconds": ("Segundos", "Segons"),
    "voice_created": ("Fecha", "Data"),
    "voice_reset": ("Olvidar lo aprendido", "Oblida el que s'ha après"),
    "voice_reset_hint": (
        "Borra las muestras aprendidas de las correcciones; las registradas se quedan.",
        "Esborra les mostres apreses de les correccions; les registrades es queden.",
    ),
    "voice_delete": ("Borrar su voz", "Esborra la seva veu"),
    "voice_delete_confirm": (
        "Confirmo que se borran todas las muestras de su voz.",
        "Confirmo que s'esborren totes les mostres de la seva veu.",
    ),
    "voice_reset_done": (
        "Se ha olvidado lo aprendido de su voz.",
        "S'ha oblidat el que s'havia après de la seva veu.",
    ),
    "voice_deleted_done": ("Su voz se ha borrado.", "La seva veu s'ha esborrat."),
    "voice_unconfirmed": (
        "No se ha borrado nada: marque la casilla de confirmación para borrar su voz.",
        "No s'ha esborrat res: marqueu la casella de confirmació per esborrar la seva veu.",
    ),
}

# The settings pages' notices after a change (?ok=...): the key of each line above.
VOICE_NOTICES = {
    "voice_reset": "voice_reset_done",
    "voice_deleted": "voice_deleted_done",
    "voice_unconfirmed": "voice_unconfirmed",
}
