"""The editor's strings for each intervention's summary (ROF art. 109.1.g: the opinions in
synthesis) in Spanish and Catalan; :mod:`plenaria.api.i18n` serves them with the page's,
and the page hands them to ``static/editor/summary.js``."""

from __future__ import annotations

SUMMARY_STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "sum_h": ("Resumen", "Resum"),
    "sum_auto": ("automático, hecho de sus palabras", "automàtic, fet de les seves paraules"),
    "sum_clerk": ("escrito en el editor", "escrit a l'editor"),
    "sum_none": ("(sin resumen)", "(sense resum)"),
    "sum_edit": ("Editar el resumen", "Edita el resum"),
    "sum_edit_aria": (
        "Editar el resumen de la intervención de {who}",
        "Edita el resum de la intervenció de {who}",
    ),
    "sum_field": (
        "Resumen de la intervención de {who} (Intro guarda, Mayúsculas+Intro nueva línea, "
        "Escape cancela)",
        "Resum de la intervenció de {who} (Intro desa, Majúscules+Intro línia nova, "
        "Escapada cancel·la)",
    ),
    "sum_save": ("Guardar el resumen", "Desa el resum"),
    "sum_cancel": ("Cancelar", "Cancel·la"),
    "sum_reset": ("Volver al resumen automático", "Torna al resum automàtic"),
    "sum_saving": ("Guardando el resumen…", "S'està desant el resum…"),
    "sum_saved": ("Resumen guardado en la versión {n}.", "Resum desat a la versió {n}."),
    "sum_unchanged": (
        "El resumen ya era ese: nada que guardar.",
        "El resum ja era aquest: res a desar.",
    ),
    "sum_wait": (
        "Antes de guardar el resumen hay que guardar los cambios del texto, y aún no se ha "
        "podido. Vuelva a intentarlo en unos segundos.",
        "Abans de desar el resum cal desar els canvis del text, i encara no s'ha pogut. "
        "Torneu-ho a provar d'aquí a uns segons.",
    ),
    "sum_error": ("No se ha guardado el resumen:", "No s'ha desat el resum:"),
    # where each agenda item starts (static/editor/items.js)
    "item_n": ("Punto {n}", "Punt {n}"),
    "item_none": ("Fuera del orden del día", "Fora de l'ordre del dia"),
    "item_fixed": (
        "aquí empieza el punto {n} (marcado en el editor)",
        "aquí comença el punt {n} (marcat a l'editor)",
    ),
    "item_start": ("Empieza aquí un punto…", "Comença aquí un punt…"),
    "item_field": (
        "Punto del orden del día que empieza aquí",
        "Punt de l'ordre del dia que comença aquí",
    ),
    "item_save": ("Empieza aquí", "Comença aquí"),
    "item_heard": ("Como se oyó", "Com es va sentir"),
    "item_cancel": ("Cancelar", "Cancel·la"),
    "item_saving": ("Guardando el inicio del punto…", "S'està desant l'inici del punt…"),
    "item_saved": (
        "Inicio del punto guardado en la versión {n}.",
        "Inici del punt desat a la versió {n}.",
    ),
    "item_unchanged": (
        "El punto ya empezaba así: nada que guardar.",
        "El punt ja començava així: res a desar.",
    ),
    "item_wait": (
        "Antes hay que guardar los cambios del texto, y aún no se ha podido. Vuelva a "
        "intentarlo en unos segundos.",
        "Abans cal desar els canvis del text, i encara no s'ha pogut. Torneu-ho a provar "
        "d'aquí a uns segons.",
    ),
    "item_error": ("No se ha guardado el inicio del punto:", "No s'ha desat l'inici del punt:"),
}
