"""The transcript editor's strings in Spanish and Catalan: its page, its scripts, its keys.

:mod:`plenaria.api.i18n` hands them to the page (``t``), to the scripts (``js_t``,
read by ``static/editor/util.js`` as ``T``) and to the key help.
"""

from __future__ import annotations

PAGE: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "actions": ("Intervención", "Intervenció"),
    "act_edit": ("Escribir encima", "Escriu-hi a sobre"),
    "act_edit_aria": (
        "Escribir encima de la palabra elegida (doble clic)",
        "Escriu-hi a sobre: la paraula triada (doble clic)",
    ),
    "act_split": ("Dividir", "Divideix"),
    "act_split_aria": (
        "Dividir la intervención en la palabra elegida (tecla s)",
        "Divideix la intervenció a la paraula triada (tecla s)",
    ),
    "act_merge": ("Unir", "Uneix"),
    "act_merge_aria": (
        "Unir la intervención con la siguiente (tecla m)",
        "Uneix la intervenció amb la següent (tecla m)",
    ),
    "act_assign": ("Asignar", "Assigna"),
    "act_assign_aria": (
        "Asignar quién habla: interviniente o miembro de la corporación (tecla i)",
        "Assigna qui parla: intervinent o membre de la corporació (tecla i)",
    ),
    "act_rename": ("Renombrar", "Canvia el nom"),
    "act_rename_aria": (
        "Renombrar al interviniente de la intervención (tecla r)",
        "Canvia el nom de l'intervinent de la intervenció (tecla r)",
    ),
    "assign_who": ("Quién habla en la intervención", "Qui parla a la intervenció"),
    "assign_ok": ("Asignar", "Assigna"),
    "assign_cancel": ("Cancelar", "Cancel·la"),
    "conflict_h": ("Cambios que coinciden", "Canvis que coincideixen"),
    "conflict_apply": ("Guardar lo elegido", "Desa el que heu triat"),
    "restore_h": ("Restaurar una versión", "Restaura una versió"),
    "restore_yes": ("Restaurar", "Restaura"),
    "restore_no": ("Cancelar", "Cancel·la"),
    "presence_h": ("Quién más está aquí", "Qui més hi ha"),
}

JS: dict[str, tuple[str, str]] = {
    "conflict": (
        "{author} guardó la versión {n} mientras usted editaba. {k} de sus cambios tocan las "
        "mismas palabras: elija cuál conservar en cada uno. Todo lo demás ya está combinado y "
        "se guardará con lo que elija.",
        "{author} ha desat la versió {n} mentre editàveu. {k} dels seus canvis toquen les "
        "mateixes paraules: trieu quin conserveu en cada un. Tota la resta ja està combinada i "
        "es desarà amb el que trieu.",
    ),
    "choose_first": (
        "Elija antes qué conservar en los cambios que coinciden.",
        "Trieu abans què conserveu en els canvis que coincideixen.",
    ),
    "conflict_words": ("Intervención de {who}", "Intervenció de {who}"),
    "conflict_who": (
        "Quién habla en la intervención de {who}",
        "Qui parla a la intervenció de {who}",
    ),
    "conflict_name": ("Nombre de {who}", "Nom de {who}"),
    "conflict_before": ("antes «{text}»", "abans «{text}»"),
    "conflict_theirs": ("Cambio de {author}:", "Canvi de {author}:"),
    "conflict_mine": ("Su cambio, sin guardar:", "El vostre canvi, sense desar:"),
    "conflict_done": (
        "Guardado lo elegido sobre la versión {n} de {author}; el resto se ha combinado.",
        "S'ha desat el que heu triat sobre la versió {n} de {author}; la resta s'ha combinat.",
    ),
    "nothing": ("(nada)", "(res)"),
    "offline": (
        "Sin conexión con el servidor: sus cambios siguen aquí y se guardarán al volver.",
        "Sense connexió amb el servidor: els vostres canvis continuen aquí i es desaran en tornar.",
    ),
    "type_over": ("Escribir encima de las palabras", "Escriu a sobre de les paraules"),
    "pick_word": (
        "Haga clic primero en una palabra de la transcripción.",
        "Feu clic primer en una paraula de la transcripció.",
    ),
    "restore_confirm": (
        "¿Restaurar la versión {n}? Se guardará como una versión nueva; las demás siguen "
        "en el historial.",
        "Voleu restaurar la versió {n}? Es desarà com una versió nova; les altres continuen "
        "a l'historial.",
    ),
    "presence": (
        "También tienen abierta esta sesión: {names}",
        "També tenen oberta aquesta sessió: {names}",
    ),
    "presence_alone": (
        "Nadie más tiene abierta esta sesión.",
        "Ningú més té oberta aquesta sessió.",
    ),
    "live_loaded": (
        "{author} ha guardado la versión {n}: ya se muestra aquí.",
        "{author} ha desat la versió {n}: ja es mostra aquí.",
    ),
}

SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    # (keys, es, ca)
    ("Clic", "Ir a la palabra en el vídeo", "Va a la paraula al vídeo"),
    (
        "Doble clic",
        "Escribir encima de la palabra o de las palabras seleccionadas",
        "Escriu a sobre de la paraula o de les paraules seleccionades",
    ),
    ("Ctrl+Espacio / F3 / k", "Reproducir o pausar", "Reprodueix o atura"),
    ("Ctrl+, / F1 / j", "Atrás 3 segundos", "Enrere 3 segons"),
    ("Ctrl+. / F2 / l", "Adelante 3 segundos", "Endavant 3 segons"),
    ("p", "Reproducir desde la palabra con el foco", "Reprodueix des de la paraula amb el focus"),
    ("← →", "Palabra anterior o siguiente", "Paraula anterior o següent"),
    ("↑ ↓", "Intervención anterior o siguiente", "Intervenció anterior o següent"),
    ("Intro / e", "Editar el texto de la intervención", "Edita el text de la intervenció"),
    ("n", "Siguiente elemento a revisar", "Següent element per revisar"),
    ("s", "Dividir la intervención en esta palabra", "Divideix la intervenció en aquesta paraula"),
    ("m", "Unir con la intervención siguiente", "Uneix amb la intervenció següent"),
    ("r", "Renombrar al interviniente", "Canvia el nom de l'intervinent"),
    (
        "i",
        "Quién habla en esta intervención (interviniente o persona)",
        "Qui parla en aquesta intervenció (intervinent o persona)",
    ),
    ("f", "Buscar y reemplazar", "Cerca i reemplaça"),
    ("+ / −", "Más o menos velocidad (0,5× a 2×)", "Més o menys velocitat (0,5× a 2×)"),
    ("a", "Desplazamiento automático sí/no", "Desplaçament automàtic sí/no"),
    ("Ctrl+Z / Ctrl+Y", "Deshacer / rehacer", "Desfés / refés"),
    ("Ctrl+S", "Guardar ahora", "Desa ara"),
)
