"""The web app's interface strings in Spanish and Catalan.

:func:`pick_language` chooses from ``?lang=``, the ``plenaria_lang`` cookie,
then the browser's Accept-Language; Spanish by default.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from plenaria.api import (
    i18n_acta,
    i18n_editor,
    i18n_languages,
    i18n_look,
    i18n_redaction,
    i18n_voices,
)
from plenaria.api.i18n_settings import SETTINGS_STRINGS
from plenaria.api.i18n_summary import SUMMARY_STRINGS

LANGUAGES = ("es", "ca")
DEFAULT = "es"
LANG_COOKIE = "plenaria_lang"

_STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "app": ("Plenaria", "Plenaria"),
    "skip": ("Saltar al contenido", "Salta al contingut"),
    "nav": ("Navegación principal", "Navegació principal"),
    "nav_sessions": ("Sesiones", "Sessions"),
    "nav_upload": ("Subir grabación", "Puja un enregistrament"),
    "logout": ("Salir", "Surt"),
    "language": ("Idioma", "Idioma"),
    "login_title": ("Entrar", "Entra"),
    "email": ("Correo electrónico", "Correu electrònic"),
    "password": ("Contraseña", "Contrasenya"),
    "login_button": ("Entrar", "Entra"),
    "login_failed": ("Correo o contraseña incorrectos.", "Correu o contrasenya incorrectes."),
    "login_limited": (
        "Demasiados intentos de entrada. Espere {seconds} segundos y vuelva a intentarlo.",
        "Massa intents d'entrada. Espereu {seconds} segons i torneu-ho a provar.",
    ),
    "login_busy": (
        "El servidor está ocupado. Vuelva a intentarlo en unos segundos.",
        "El servidor està ocupat. Torneu-ho a provar d'aquí a uns segons.",
    ),
    "login_expired": (
        "El formulario ha caducado. Vuelva a escribir su contraseña.",
        "El formulari ha caducat. Torneu a escriure la contrasenya.",
    ),
    "login_foreign": (
        "Entrada refusada: el formulario venía de otro sitio web.",
        "Entrada refusada: el formulari venia d'un altre lloc web.",
    ),
    "sessions_title": ("Sesiones del pleno", "Sessions del ple"),
    "no_sessions": ("Todavía no hay sesiones.", "Encara no hi ha sessions."),
    "jobs_title": ("Procesos", "Processos"),
    "no_jobs": ("Todavía no hay procesos.", "Encara no hi ha processos."),
    "col_date": ("Fecha", "Data"),
    "col_session": ("Sesión", "Sessió"),
    "col_type": ("Tipo", "Tipus"),
    "col_state": ("Estado", "Estat"),
    "col_progress": ("Progreso", "Progrés"),
    "col_created": ("Creado", "Creat"),
    "col_actions": ("Acciones", "Accions"),
    "open_editor": ("Abrir el editor", "Obre l'editor"),
    "open_job": ("Ver el proceso", "Mostra el procés"),
    "state_queued": ("En cola", "En cua"),
    "state_running": ("En curso", "En curs"),
    "state_done": ("Terminado", "Acabat"),
    "state_failed": ("Con error", "Amb error"),
    "state_cancelled": ("Cancelado", "Cancel·lat"),
    "state_pending": ("Pendiente", "Pendent"),
    "upload_title": ("Subir la grabación de un pleno", "Puja l'enregistrament d'un ple"),
    "recording": ("Grabación (vídeo o audio)", "Enregistrament (vídeo o àudio)"),
    "session_data": ("Datos de la sesión", "Dades de la sessió"),
    "session_id": ("Identificador", "Identificador"),
    "session_date": ("Fecha", "Data"),
    "session_type": ("Tipo de sesión", "Tipus de sessió"),
    "type_ordinaria": ("Ordinaria", "Ordinària"),
    "type_extraordinaria": ("Extraordinaria", "Extraordinària"),
    "type_urgente": ("Extraordinaria urgente", "Extraordinària urgent"),
    "session_place": ("Lugar", "Lloc"),
    "session_call": ("Convocatoria", "Convocatòria"),
    "call_": ("Sin indicar", "Sense indicar"),
    "call_primera": ("Primera convocatoria", "Primera convocatòria"),
    "call_segunda": ("Segunda convocatoria", "Segona convocatòria"),
    "session_start": ("Hora de inicio", "Hora d'inici"),
    "president": ("Presidencia", "Presidència"),
    "secretary": ("Secretaría", "Secretaria"),
    "agenda": ("Orden del día (un punto por línea)", "Ordre del dia (un punt per línia)"),
    "roster": ("Miembros de la corporación", "Membres de la corporació"),
    "no_roster": ("El consistorio no tiene miembros registrados.", "L'ajuntament no té membres."),
    "start_upload": ("Subir y procesar", "Puja i processa"),
    "pause": ("Pausa", "Pausa"),
    "resume": ("Reanudar", "Reprèn"),
    "hashing": ("Calculando la huella SHA-256…", "Calculant l'empremta SHA-256…"),
    "uploading": ("Subiendo…", "Pujant…"),
    "resuming": ("Reanudando la subida anterior…", "Reprenent la pujada anterior…"),
    "upload_done": ("Subida completa. Creando el proceso…", "Pujada completa. Creant el procés…"),
    "upload_error": ("La subida ha fallado:", "La pujada ha fallat:"),
    "choose_file": ("Elija un archivo.", "Trieu un fitxer."),
    "open_existing": ("Abrir la sesión existente", "Obre la sessió existent"),
    "upload_anyway": ("Subirla otra vez de todos modos", "Torna-la a pujar igualment"),
    "progress": ("Progreso", "Progrés"),
    "job_title": ("Proceso", "Procés"),
    "job_state": ("Estado", "Estat"),
    "job_eta": ("Tiempo restante", "Temps restant"),
    "job_steps": ("Pasos", "Passos"),
    "job_error": ("Error", "Error"),
    "job_warnings": ("Aviso", "Avís"),
    "retry": ("Reintentar", "Torna-ho a provar"),
    "step": ("Paso", "Pas"),
    "live": ("Se actualiza en directo.", "S'actualitza en directe."),
    "live_title": ("Transcripción en directo", "Transcripció en directe"),
    "live_hint": (
        "Texto provisional: al terminar la sesión se identifican los intervinientes y se "
        "genera el acta.",
        "Text provisional: en acabar la sessió s'identifiquen els intervinents i es genera l'acta.",
    ),
    "live_empty": ("Todavía no hay texto.", "Encara no hi ha text."),
    "live_stop": ("Terminar la sesión", "Acaba la sessió"),
    "live_stopping": ("Terminando la grabación…", "Acabant l'enregistrament…"),
    "live_push": ("Dirección RTMP del codificador", "Adreça RTMP del codificador"),
    "live_source": ("Emisión", "Emissió"),
    "editor_title": ("Editor de la transcripción", "Editor de la transcripció"),
    "video": ("Vídeo de la sesión", "Vídeo de la sessió"),
    "transcript": ("Transcripción", "Transcripció"),
    "shortcuts": ("Atajos de teclado", "Dreceres de teclat"),
    # The public verification page (/verificar, plenaria.api.verify)
    "verify_title": (
        "Verificar un acta certificada",
        "Verifiqueu una acta certificada",
    ),
    "verify_intro": (
        "Compruebe si un acta es la que certificó la secretaría: escriba su código seguro "
        "de verificación (CSV) o suba el fichero.",
        "Comproveu si una acta és la que va certificar la secretaria: escriviu el codi segur "
        "de verificació (CSV) o pugeu el fitxer.",
    ),
    "verify_code": ("Código seguro de verificación (CSV)", "Codi segur de verificació (CSV)"),
    "verify_code_button": ("Comprobar el código", "Comprova el codi"),
    "verify_file": (
        "Fichero del acta (DOCX o PDF firmado)",
        "Fitxer de l'acta (DOCX o PDF signat)",
    ),
    "verify_file_hint": ("Como máximo {size}.", "Com a màxim {size}."),
    "verify_file_button": ("Comprobar el fichero", "Comprova el fitxer"),
    "verify_ok_code": (
        "El código es válido: corresponde a un acta certificada.",
        "El codi és vàlid: correspon a una acta certificada.",
    ),
    "verify_ok_file": (
        "El fichero es exactamente el acta certificada.",
        "El fitxer és exactament l'acta certificada.",
    ),
    "verify_bad_code": (
        "No hay ningún acta certificada con este código. Compruebe que lo ha copiado entero.",
        "No hi ha cap acta certificada amb aquest codi. Comproveu que l'heu copiat sencer.",
    ),
    "verify_bad_form": (
        "«{code}» no es un código seguro de verificación: tiene 20 letras y cifras.",
        "«{code}» no és un codi segur de verificació: té 20 lletres i xifres.",
    ),
    "verify_bad_file": (
        "El fichero no coincide con ningún acta certificada: no es el original o se ha modificado.",
        "El fitxer no coincideix amb cap acta certificada: no és l'original o s'ha modificat.",
    ),
    "verify_mismatch": (
        "El fichero NO es el acta certificada con este código: ha sido modificado o es otro.",
        "El fitxer NO és l'acta certificada amb aquest codi: s'ha modificat o n'és un altre.",
    ),
    "verify_empty": ("Elija un fichero.", "Trieu un fitxer."),
    "verify_too_big": (
        "El fichero pasa de {size}; un acta certificada es más pequeña.",
        "El fitxer passa de {size}; una acta certificada és més petita.",
    ),
    "verify_council": ("Ayuntamiento", "Ajuntament"),
    "verify_session": ("Sesión", "Sessió"),
    "verify_version": ("Versión del acta", "Versió de l'acta"),
    "verify_approved": ("Aprobada el", "Aprovada el"),
    "verify_sha": ("Huella SHA-256 del acta", "Empremta SHA-256 de l'acta"),
    "verify_recording_sha": (
        "Huella SHA-256 de la grabación",
        "Empremta SHA-256 de l'enregistrament",
    ),
    "verify_again": ("Verificar otra", "Verifiqueu-ne una altra"),
    "verify_sig_ok": (
        "La firma electrónica es válida: el PDF está íntegro, sin ningún cambio desde que se "
        "firmó, y el certificado es de una autoridad de confianza.",
        "La signatura electrònica és vàlida: el PDF és íntegre, sense cap canvi des que es va "
        "signar, i el certificat és d'una autoritat de confiança.",
    ),
    "verify_sig_altered": (
        "El PDF se ha ALTERADO después de firmarse: su firma electrónica ya no corresponde a "
        "su contenido. No es el acta firmada.",
        "El PDF s'ha ALTERAT després de signar-se: la seva signatura electrònica ja no "
        "correspon al contingut. No és l'acta signada.",
    ),
    "verify_sig_untrusted": (
        "El PDF está íntegro, pero su firma no es de un certificado de una autoridad de "
        "confianza del ayuntamiento.",
        "El PDF és íntegre, però la signatura no és d'un certificat d'una autoritat de "
        "confiança de l'ajuntament.",
    ),
    "verify_signer": ("Firmado por", "Signat per"),
    "verify_signed_at": ("Fecha de la firma", "Data de la signatura"),
    "verify_stamp": ("Sello de tiempo", "Segell de temps"),
    "verify_level": ("Nivel de la firma", "Nivell de la signatura"),
    "verify_stamp_yes": (
        "sí, de una autoridad de sellado de tiempo (RFC 3161)",
        "sí, d'una autoritat de segellat de temps (RFC 3161)",
    ),
    "verify_stamp_no": ("no (hora declarada por el firmante)", "no (hora declarada pel signant)"),
    "speakers": ("Intervinientes", "Intervinents"),
    "find": ("Buscar", "Cerca"),
    "replace_with": ("Reemplazar por", "Reemplaça per"),
    "replace_all": ("Reemplazar todo", "Reemplaça-ho tot"),
    "find_next": ("Siguiente", "Següent"),
    "undo": ("Deshacer", "Desfés"),
    "redo": ("Rehacer", "Refés"),
    "save": ("Guardar", "Desa"),
    "history": ("Historial", "Historial"),
    "downloads": ("Descargas", "Baixades"),
    "output_docx": ("Acta (DOCX)", "Acta (DOCX)"),
    "output_vtt": ("Subtítulos (VTT)", "Subtítols (VTT)"),
    "output_srt": ("Subtítulos (SRT)", "Subtítols (SRT)"),
    "output_json": ("Transcripción (JSON)", "Transcripció (JSON)"),
    "output_proxy": ("Vídeo web (MP4)", "Vídeo web (MP4)"),
    "rate": ("Velocidad", "Velocitat"),
    "autoscroll": ("Desplazamiento automático", "Desplaçament automàtic"),
    "review_next": ("Siguiente a revisar", "Següent per revisar"),
    # The job's steps (internal names stay; these are their labels).
    "step_record": ("Grabación en directo", "Enregistrament en directe"),
    "step_probe": ("Análisis del archivo", "Anàlisi del fitxer"),
    "step_audio": ("Extracción del audio", "Extracció de l'àudio"),
    "step_speech": ("Detección de la voz", "Detecció de la veu"),
    "step_plan": ("División en fragmentos", "Divisió en fragments"),
    "step_transcribe": ("Transcripción, fragmento {n}", "Transcripció, fragment {n}"),
    "step_diarize": ("Identificación de los intervinientes", "Identificació dels intervinents"),
    "step_name": ("Nombres de los intervinientes", "Noms dels intervinents"),
    "step_assemble": ("Montaje de las intervenciones", "Muntatge de les intervencions"),
    "step_outputs": ("Acta, subtítulos y JSON", "Acta, subtítols i JSON"),
    "step_proxy": ("Vídeo para la web", "Vídeo per al web"),
    # Error pages: a title and a message by HTTP status.
    "error_title": ("Algo ha fallado", "Alguna cosa ha fallat"),
    "error_401": ("Tiene que entrar", "Heu d'entrar"),
    "error_403": ("Acceso denegado", "Accés denegat"),
    "error_404": ("Página no encontrada", "Pàgina no trobada"),
    "error_409": ("Cambio no permitido ahora", "Canvi no permès ara"),
    "error_422": ("Datos no válidos", "Dades no vàlides"),
    "error_429": ("Demasiadas peticiones", "Massa peticions"),
    "error_500": ("Error del servidor", "Error del servidor"),
    "error_503": ("Servicio no disponible", "Servei no disponible"),
    "error_msg_401": (
        "Su sesión no está abierta. Entre con su correo y contraseña.",
        "La vostra sessió no és oberta. Entreu amb el correu i la contrasenya.",
    ),
    "error_msg_403": (
        "Su función no permite ver esta página. Pídalo a una persona administradora.",
        "La vostra funció no permet veure aquesta pàgina. Demaneu-ho a una persona administradora.",
    ),
    "error_msg_404": (
        "Esta página no existe o es de otro ayuntamiento. Vuelva a la lista de sesiones.",
        "Aquesta pàgina no existeix o és d'un altre ajuntament. Torneu a la llista de sessions.",
    ),
    "error_msg_409": (
        "El estado actual no permite este cambio. Recargue la página.",
        "L'estat actual no permet aquest canvi. Torneu a carregar la pàgina.",
    ),
    "error_msg_422": (
        "La petición tiene datos no válidos. Corríjalos y vuelva a intentarlo.",
        "La petició té dades no vàlides. Corregiu-les i torneu-ho a provar.",
    ),
    "error_msg_429": (
        "Demasiadas peticiones seguidas. Espere un minuto.",
        "Massa peticions seguides. Espereu un minut.",
    ),
    "error_msg_500": (
        "Error interno; el registro del servidor tiene los detalles. Vuelva a intentarlo.",
        "Error intern; el registre del servidor té els detalls. Torneu-ho a provar.",
    ),
    "error_msg_503": (
        "Un servicio necesario no responde. Vuelva a intentarlo en unos minutos.",
        "Un servei necessari no respon. Torneu-ho a provar d'aquí a uns minuts.",
    ),
    "back_home": ("Volver a las sesiones", "Torna a les sessions"),
    # --- Issue 17, one language per screen: job titles, the live hint, upload refusals ---
    "job_of_session": ("Sesión {kind} del {date}", "Sessió {kind} {of_date}"),
    "job_of_file": ("Proceso de «{name}»", "Procés de «{name}»"),
    "job_created": ("Creado el {when}", "Creat el {when}"),
    "output_pdf": ("Acta (PDF)", "Acta (PDF)"),
    "duplicate_found": (
        "Esta grabación ya se subió y tiene su sesión: ábrala, o súbala otra vez si de verdad "
        "quiere procesarla de nuevo.",
        "Aquest enregistrament ja es va pujar i té la seva sessió: obriu-la, o torneu-lo a pujar "
        "si de debò el voleu tornar a processar.",
    ),
    "upload_network": (
        "No se pudo hablar con el servidor. Compruebe la conexión y pulse otra vez «Subir y "
        "procesar»: la subida sigue donde se quedó.",
        "No s'ha pogut parlar amb el servidor. Comproveu la connexió i torneu a prémer «Puja i "
        "processa»: la pujada continua on s'havia quedat.",
    ),
    # --- end of issue 17's block ---
}
# settings pages (council, roster, users, tokens, a session's data): plenaria.api.i18n_settings
_STRINGS.update(SETTINGS_STRINGS)
# the editor's page strings: plenaria.api.i18n_editor
_STRINGS.update(i18n_editor.PAGE)
_STRINGS.update(i18n_acta.ACTA_STRINGS)  # the acta's page: plenaria.api.i18n_acta
_STRINGS.update(SUMMARY_STRINGS)  # each intervention's summary: plenaria.api.i18n_summary
_STRINGS.update(i18n_redaction.REDACTION_STRINGS)  # redaction: plenaria.api.i18n_redaction
_STRINGS.update(i18n_look.LOOK_STRINGS)  # the portal's look: plenaria.api.i18n_look
_STRINGS.update(i18n_languages.LANGUAGE_STRINGS)  # the council's languages
_STRINGS.update(i18n_voices.VOICE_STRINGS)  # a person's voice: plenaria.api.i18n_voices

MONTHS: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto")
    + ("septiembre", "octubre", "noviembre", "diciembre"),
    ("gener", "febrer", "març", "abril", "maig", "juny", "juliol", "agost")
    + ("setembre", "octubre", "novembre", "desembre"),
)

SESSION_TYPES = {
    "ordinaria": "type_ordinaria",
    "extraordinaria": "type_extraordinaria",
    "extraordinaria urgente": "type_urgente",
    "urgente": "type_urgente",
}

_JS: tuple[str, ...] = (
    "saved",
    "saving",
    "unsaved",
    "merged",
    "edit_hint",
    "rename",
    "rename_prompt",
    "person",
    "no_person",
    "unnamed",
    "low_conf",
    "nothing_to_review",
    "found",
    "not_found",
    "replaced",
    "error",
    "restore",
    "restored",
    "version",
    "by_machine",
    "speaker_of",
    "edit",
    "apply",
    "cancel",
    "loading",
    "changes",
    "no_changes",
    "save_first",
)

_JS_STRINGS: dict[str, tuple[str, str]] = {
    "saved": ("Guardado: versión {n}", "Desat: versió {n}"),
    "saving": ("Guardando…", "Desant…"),
    "unsaved": ("Cambios sin guardar", "Canvis sense desar"),
    "merged": (
        "Se han combinado sus cambios con la versión {n} de {author}.",
        "S'han combinat els vostres canvis amb la versió {n} de {author}.",
    ),
    "edit_hint": (
        "Intro guarda el texto, Escape cancela.",
        "Intro desa el text, Escape cancel·la.",
    ),
    "rename": ("Renombrar", "Canvia el nom"),
    "rename_prompt": ("Nuevo nombre para {name}", "Nou nom per a {name}"),
    "person": ("Persona de la corporación", "Persona de la corporació"),
    "no_person": ("(sin asignar)", "(sense assignar)"),
    "unnamed": ("Interviniente sin nombre", "Intervinent sense nom"),
    "low_conf": ("Palabra dudosa", "Paraula dubtosa"),
    "nothing_to_review": ("No queda nada por revisar.", "No queda res per revisar."),
    "found": ("{n} coincidencias", "{n} coincidències"),
    "not_found": ("Sin coincidencias", "Cap coincidència"),
    "replaced": ("{n} reemplazos", "{n} reemplaçaments"),
    "error": ("Error:", "Error:"),
    "restore": ("Restaurar", "Restaura"),
    "restored": ("Restaurada como versión {n}", "Restaurada com a versió {n}"),
    "version": ("Versión {n}", "Versió {n}"),
    "by_machine": ("transcripción automática", "transcripció automàtica"),
    "speaker_of": ("Interviniente", "Intervinent"),
    "edit": ("Editar", "Edita"),
    "apply": ("Aplicar", "Aplica"),
    "cancel": ("Cancelar", "Cancel·la"),
    "loading": ("Cargando…", "Carregant…"),
    "changes": ("Cambios", "Canvis"),
    "save_first": (
        "Guardando el texto editado; repita la acción después.",
        "Desant el text editat; repetiu l'acció després.",
    ),
    "no_changes": ("Sin cambios de texto ni de nombres.", "Sense canvis de text ni de noms."),
}


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    for value in (query, cookie):
        if value in LANGUAGES:
            return str(value)
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT


class Catalogue(dict[str, str]):
    """A page's strings: a key missing from the catalogue shows as itself, as gettext shows
    an untranslated message id, so that the pages' test finds it (a blank hides it)."""

    def __missing__(self, key: str) -> str:
        return key


def strings(lang: str) -> dict[str, str]:
    """Every page string in ``lang`` (``es`` or ``ca``)."""
    n = LANGUAGES.index(lang) if lang in LANGUAGES else 0
    return Catalogue({k: v[n] for k, v in _STRINGS.items()})


def js_strings(lang: str) -> dict[str, str]:
    """The strings the scripts show, in ``lang``."""
    n = LANGUAGES.index(lang) if lang in LANGUAGES else 0
    return {k: _JS_STRINGS[k][n] for k in _JS} | {k: v[n] for k, v in i18n_editor.JS.items()}


def _index(lang: str) -> int:
    return LANGUAGES.index(lang) if lang in LANGUAGES else 0


def step_label(name: str, lang: str) -> str:
    """A job step's label: ``transcribe:0`` is "Transcripción, fragmento 1"."""
    base, _, index = name.partition(":")
    pair = _STRINGS.get(f"step_{base}")
    if pair is None:
        return name
    text = pair[_index(lang)]
    return text.format(n=int(index) + 1) if index.isdigit() else text.replace(", {n}", "")


def session_type_label(value: str, lang: str) -> str:
    """``ordinaria`` as "Ordinaria" or "Ordinària"; an unknown type as written."""
    key = SESSION_TYPES.get(value.strip().lower())
    return _STRINGS[key][_index(lang)] if key else value


def format_date(value: date | None, lang: str) -> str:
    """ "4 de diciembre de 2026" / "4 de desembre de 2026" ("d'abril" in Catalan)."""
    if value is None:
        return ""
    month = MONTHS[_index(lang)][value.month - 1]
    of = "d'" if lang == "ca" and month[0] in "ao" else "de "
    return f"{value.day} {of}{month} de {value.year}"


def format_datetime(value: datetime | None, lang: str, zone: str = "Europe/Madrid") -> str:
    """The date in words and the time where the council is: "4 de diciembre de 2026, 14:40".

    The database keeps UTC; a value without a zone is UTC."""
    if value is None:
        return ""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        local = aware.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        local = aware
    return f"{format_date(local.date(), lang)}, {local:%H:%M}"


def session_title(kind: str, day: date | None, lang: str) -> str:
    """A session by its type and date: "Sesión ordinaria del 24 de noviembre de 2026";
    "Sessió ordinària de l'1 d'abril de 2026" (Catalan elides before a vowel sound)."""
    label = session_type_label(kind or "ordinaria", lang).lower()
    when = format_date(day, lang)
    of_date = ("de l'" if when.split(" ")[0] in ("1", "11") else "del ") + when
    return _STRINGS["job_of_session"][_index(lang)].format(kind=label, date=when, of_date=of_date)


def shortcuts(lang: str) -> list[tuple[str, str]]:
    n = LANGUAGES.index(lang) if lang in LANGUAGES else 0
    return [(keys, texts[n]) for keys, *texts in i18n_editor.SHORTCUTS]
