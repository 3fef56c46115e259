"""The messages a page shows from the server (a job's error, an upload's refusal) in Catalan.

Errors are written once, in Spanish, where they happen (the API and the CLI
have no page language). A Catalan page shows them through this catalogue,
gettext-style: the Spanish line is the key. :data:`MESSAGES` holds
``(pattern, catalan)`` pairs, the pattern matching the whole Spanish line and
``$1``... in the Catalan text taking its groups, each group translated again
by :data:`PHRASES` (a job step, what a refused file is) or kept as written (a
file name, a size). The patterns use only what Python and JavaScript regular
expressions share, so the job and upload pages' scripts apply the same
catalogue (it travels in their strings as ``messages``). A line the catalogue
does not know is shown as written.
"""

from __future__ import annotations

import re
from typing import Any

_FAILED_TAIL = " Reintente el proceso; si vuelve a fallar, avise al administrador \\(el registro "
_FAILED_TAIL += "del servidor tiene el detalle\\)\\.$"
_CA_FAILED_TAIL = " Torneu a provar el procés; si torna a fallar, aviseu l'administrador (el "
_CA_FAILED_TAIL += "registre del servidor en té el detall)."
_REDO = "La copia o la subida se interrumpió: vuelva a copiar o exportar la grabación\\.$"
_CA_REDO = "La còpia o la pujada es va interrompre: torneu a copiar o exportar l'enregistrament."
_ACCEPTED = "MP4/MOV, MKV/WebM, MP3, Ogg, WAV, FLAC o AAC"

MESSAGES: tuple[tuple[str, str], ...] = (
    # A job's error (plenaria.workers.job_errors).
    (
        "^Falló (.+?): la grabación no se pudo leer o convertir \\(dañada, incompleta o en un "
        "formato no admitido\\)\\. Compruebe que se reproduce entera y súbala de nuevo\\.$",
        "Ha fallat $1: l'enregistrament no s'ha pogut llegir ni convertir (malmès, incomplet o "
        "en un format no admès). Comproveu que es reprodueix sencer i torneu-lo a pujar.",
    ),
    (
        "^Falló (.+?): al servidor le falta un modelo o un componente, o está mal configurado\\. "
        "Avise al administrador; el registro del servidor tiene el detalle\\.$",
        "Ha fallat $1: al servidor li falta un model o un component, o està mal configurat. "
        "Aviseu l'administrador; el registre del servidor en té el detall.",
    ),
    (
        "^Falló (.+?): los datos del proceso no son válidos\\. Revise la grabación y las opciones "
        "y cree el proceso de nuevo; el registro del servidor tiene el detalle\\.$",
        "Ha fallat $1: les dades del procés no són vàlides. Reviseu l'enregistrament i les "
        "opcions i torneu a crear el procés; el registre del servidor en té el detall.",
    ),
    ("^Falló (.+?)\\." + _FAILED_TAIL, "Ha fallat $1." + _CA_FAILED_TAIL),
    ("^Error interno en (.+?)\\." + _FAILED_TAIL, "Error intern a $1." + _CA_FAILED_TAIL),
    (
        "^El proceso no se pudo poner en cola: el servicio de colas no responde\\. Reinténtelo "
        "más tarde; si sigue igual, avise al administrador\\.$",
        "El procés no s'ha pogut posar a la cua: el servei de cues no respon. Torneu-ho a provar "
        "més tard; si continua igual, aviseu l'administrador.",
    ),
    # A finished job's warning (plenaria.assembly.warnings).
    (
        "^No se ha detectado habla en la grabación: la transcripción está vacía\\. Compruebe "
        "que es la grabación de la sesión y que tiene sonido \\(volumen, pista de audio "
        "correcta\\)\\.$",
        "No s'ha detectat parla a l'enregistrament: la transcripció és buida. Comproveu que és "
        "l'enregistrament de la sessió i que té so (volum, pista d'àudio correcta).",
    ),
    # An upload's refusal (plenaria.media.sniff, plenaria.media.probe, the tus endpoint).
    (
        "^Esta grabación ya se subió el (.+?); abra la sesión existente\\. Si de verdad quiere "
        "procesarla otra vez, súbala con allow_duplicate=true\\.$",
        "Aquest enregistrament ja es va pujar el $1; obriu la sessió existent. Si de debò el "
        "voleu tornar a processar, pugeu-lo amb allow_duplicate=true.",
    ),
    (
        "^(.+?) es (.+), no una grabación; no se abre\\. Use la grabación misma: "
        + _ACCEPTED
        + "\\.$",
        "$1 és $2, no un enregistrament; no s'obre. Feu servir l'enregistrament mateix: "
        "MP4/MOV, MKV/WebM, MP3, Ogg, WAV, FLAC o AAC.",
    ),
    (
        "^(.+?) es (.+), un formato contenedor que no se admite; no se abre\\. Cámbielo de "
        "contenedor sin recodificar \\(ffmpeg -i ENTRADA -c copy SALIDA\\.mkv\\) y use ese; se "
        "admiten " + _ACCEPTED + "\\.$",
        "$1 és $2, un format contenidor que no s'admet; no s'obre. Canvieu-ne el contenidor "
        "sense recodificar (ffmpeg -i ENTRADA -c copy SORTIDA.mkv) i feu servir aquest; "
        "s'admeten MP4/MOV, MKV/WebM, MP3, Ogg, WAV, FLAC o AAC.",
    ),
    (
        "^(.+) está vacío \\(0 bytes\\)\\. La copia o la subida falló: vuelva a copiar (o a "
        "subir )?la grabación\\.$",
        "$1 és buit (0 bytes). La còpia o la pujada ha fallat: torneu a copiar o a pujar "
        "l'enregistrament.",
    ),
    (
        "^(.+) está vacío \\(0 bytes\\): no hay grabación que subir\\.$",
        "$1 és buit (0 bytes): no hi ha cap enregistrament per pujar.",
    ),
    (
        "^(.+) ocupa (.+), más que el límite de subida de este servidor, (.+) "
        "\\(PLENARIA_MAX_UPLOAD_BYTES\\)\\.$",
        "$1 ocupa $2, més que el límit de pujada d'aquest servidor, $3 "
        "(PLENARIA_MAX_UPLOAD_BYTES).",
    ),
    (
        "^(.+) no tiene pista de audio( \\(solo vídeo\\))?: no hay nada que transcribir\\. "
        "Exporte de nuevo la grabación con su pista de sonido\\.$",
        "$1 no té pista d'àudio$2: no hi ha res a transcriure. Torneu a exportar "
        "l'enregistrament amb la pista de so.",
    ),
    (
        "^(.+) dura 0 segundos: no tiene audio que transcribir\\. Revise la exportación o la "
        "copia de la grabación; está vacía\\.$",
        "$1 dura 0 segons: no té àudio per transcriure. Reviseu l'exportació o la còpia de "
        "l'enregistrament; és buida.",
    ),
    (
        "^(.+) está cortado: declara (.+) s pero su audio termina a los (.+) s\\. " + _REDO,
        "$1 està tallat: declara $2 s però l'àudio acaba als $3 s. " + _CA_REDO,
    ),
    (
        "^(.+) es un archivo MP4/MOV incompleto: le falta el índice \\(átomo moov\\)\\. " + _REDO,
        "$1 és un fitxer MP4/MOV incomplet: li falta l'índex (àtom moov). " + _CA_REDO,
    ),
    (
        "^(.+) esconde una lista de reproducción o de otros archivos tras una cabecera de "
        "vídeo; no se abre\\. Dé una grabación de audio o vídeo \\((.+)\\)\\.$",
        "$1 amaga una llista de reproducció o d'altres fitxers darrere una capçalera de vídeo; "
        "no s'obre. Doneu un enregistrament d'àudio o de vídeo ($2).",
    ),
    (
        "^El SHA-256 declarado no coincide con los bytes subidos: declarado (.+), recibido "
        "(.+)\\. El archivo cambió o la transferencia lo dañó: vuelva a subirlo\\.$",
        "El SHA-256 declarat no coincideix amb els bytes pujats: declarat $1, rebut $2. El "
        "fitxer ha canviat o la transferència l'ha malmès: torneu-lo a pujar.",
    ),
    # settings pages: what the accounts and the council refuse (plenaria.db.accounts,
    # plenaria.api.routes.council, users, plenaria.api.session_removal).
    (
        "^Dirección de correo no válida: (.+)\\. Use nombre@ejemplo\\.org\\.$",
        "Adreça de correu no vàlida: $1. Feu servir nom@exemple.org.",
    ),
    (
        "^La contraseña está vacía\\. Escriba una contraseña\\.$",
        "La contrasenya és buida. Escriviu-ne una.",
    ),
    (
        "^La contraseña tiene menos de (\\d+) caracteres\\. Use una más larga, p\\. ej\\. una "
        "frase de varias palabras\\.$",
        "La contrasenya té menys de $1 caràcters. Feu-ne servir una de més llarga, p. ex. una "
        "frase de diverses paraules.",
    ),
    (
        "^No se puede crear una cuenta con el correo (.+)\\. Use otro correo; si la persona ya "
        "tiene cuenta aquí, está en la lista de usuarios\\.$",
        "No es pot crear un compte amb el correu $1. Feu servir un altre correu; si la persona "
        "ja té compte aquí, és a la llista d'usuaris.",
    ),
    (
        "^No puede quitarse la función de administración ni desactivarse\\. Pídalo a otra "
        "persona administradora\\.$",
        "No us podeu treure la funció d'administració ni desactivar-vos. Demaneu-ho a una altra "
        "persona administradora.",
    ),
    (
        "^El nombre del token está vacío\\. Póngale el nombre de la integración que lo usa\\.$",
        "El nom del token és buit. Poseu-li el nom de la integració que el farà servir.",
    ),
    (
        "^La plantilla del enlace al vídeo no es válida: solo se rellenan \\{session\\} y "
        "\\{seconds\\}, y una llave literal se escribe \\{\\{ o \\}\\}\\. Corríjala y vuelva a "
        "guardar\\.$",
        "La plantilla de l'enllaç al vídeo no és vàlida: només s'omplen {session} i {seconds}, "
        "i una clau literal s'escriu {{ o }}. Corregiu-la i torneu a desar.",
    ),
    (
        "^La sesión tiene un proceso en curso \\((.+)\\): no se puede borrar ahora\\. Cancele "
        "el proceso o espere a que termine, y vuelva a borrarla\\.$",
        "La sessió té un procés en curs ($1): ara no es pot esborrar. Cancel·leu el procés o "
        "espereu que acabi, i torneu-la a esborrar.",
    ),
)

# Parts of a line: a job's step ("la transcripción (fragmento 3)"), what a refused file is.
PHRASES: tuple[tuple[str, str], ...] = (
    ("^(.+) \\(fragmento (\\d+)\\)$", "$1 (fragment $2)"),
    ("^la comprobación de la grabación$", "la comprovació de l'enregistrament"),
    ("^la extracción del audio$", "l'extracció de l'àudio"),
    ("^la detección de la voz$", "la detecció de la veu"),
    ("^el reparto en fragmentos$", "el repartiment en fragments"),
    ("^el vídeo de consulta$", "el vídeo de consulta"),
    ("^la transcripción$", "la transcripció"),
    ("^la separación de intervinientes$", "la separació d'intervinents"),
    ("^la identificación de intervinientes$", "la identificació d'intervinents"),
    ("^el montaje de la transcripción$", "el muntatge de la transcripció"),
    ("^los documentos$", "els documents"),
    ("^la grabación en directo$", "l'enregistrament en directe"),
    ("^el paso (.+)$", "el pas $1"),
    ("^ \\(solo vídeo\\)$", " (només vídeo)"),
    ("^un documento PDF$", "un document PDF"),
    ("^un archivo ZIP o un documento de oficina$", "un fitxer ZIP o un document d'oficina"),
    ("^una imagen (PNG|JPEG|GIF)$", "una imatge $1"),
    ("^un documento RTF$", "un document RTF"),
    ("^un documento antiguo de Office$", "un document antic d'Office"),
    ("^un archivo (WMV/ASF|FLV|AVI)$", "un fitxer $1"),
    ("^un flujo de programa MPEG \\(\\.mpg, \\.vob\\)$", "un flux de programa MPEG (.mpg, .vob)"),
    ("^un flujo de transporte MPEG \\(\\.ts, \\.mts\\)$", "un flux de transport MPEG (.ts, .mts)"),
    (
        "^una lista HLS \\(una lista de otros archivos\\)$",
        "una llista HLS (una llista d'altres fitxers)",
    ),
    (
        "^una lista ffconcat \\(un guion que nombra otros archivos\\)$",
        "una llista ffconcat (un guió que anomena altres fitxers)",
    ),
    (
        "^un manifiesto DASH \\(una lista de otros archivos\\)$",
        "un manifest DASH (una llista d'altres fitxers)",
    ),
    (
        "^una lista de reproducción o de otros archivos$",
        "una llista de reproducció o d'altres fitxers",
    ),
    ("^un archivo de texto$", "un fitxer de text"),
    (
        "^un archivo que no es de audio ni de vídeo en un formato admitido$",
        "un fitxer que no és d'àudio ni de vídeo en un format admès",
    ),
)

_MESSAGES = tuple((re.compile(p), t) for p, t in MESSAGES)
_PHRASES = tuple((re.compile(p), t) for p, t in PHRASES)
_GROUP = re.compile(r"\$(\d)")


def _fill(template: str, match: re.Match[str], inner: bool) -> str:
    def group(m: re.Match[str]) -> str:
        text = match.group(int(m.group(1))) or ""
        return _phrase(text) if inner else text

    return _GROUP.sub(group, template)


def _phrase(text: str) -> str:
    for pattern, template in _PHRASES:
        match = pattern.fullmatch(text)
        if match:
            return _fill(template, match, inner=True)  # its groups are shorter: this ends
    return text


def translate(text: str, lang: str) -> str:
    """``text`` (a Spanish line from the server) in ``lang``; as written when unknown."""
    if lang != "ca" or not text:
        return text
    for pattern, template in _MESSAGES:
        match = pattern.fullmatch(text)
        if match:
            return _fill(template, match, inner=True)
    return text


def catalogue(lang: str) -> dict[str, Any]:
    """The catalogue for the pages' scripts: ``{"messages": [...], "phrases": [...]}``."""
    if lang != "ca":
        return {"messages": [], "phrases": []}
    return {"messages": [list(m) for m in MESSAGES], "phrases": [list(p) for p in PHRASES]}
