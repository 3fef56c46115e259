"""The citizens' portal's strings in Spanish and Catalan (the languages of the web app).

A public page speaks the published session's language (a list or a search: the
council's acta language); ``?lang=es|ca`` overrides it.
"""

from __future__ import annotations

from plenaria.api.i18n import DEFAULT, LANGUAGES

_STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "skip": ("Saltar al contenido", "Salta al contingut"),
    "sessions": ("Sesiones publicadas", "Sessions publicades"),
    "no_sessions": ("Todavía no hay sesiones publicadas.", "Encara no hi ha sessions publicades."),
    "search": ("Buscar en las sesiones", "Cerca a les sessions"),
    "search_button": ("Buscar", "Cerca"),
    "results": ("Resultados de «{q}»", "Resultats de «{q}»"),
    "no_results": ("Ninguna sesión publicada contiene «{q}».", "Cap sessió publicada conté «{q}»."),
    "empty_query": ("Escriba las palabras que busca.", "Escriviu les paraules que cerqueu."),
    "session": ("Sesión", "Sessió"),
    "type_ordinaria": ("ordinaria", "ordinària"),
    "type_extraordinaria": ("extraordinaria", "extraordinària"),
    "type_urgente": ("extraordinaria urgente", "extraordinària urgent"),
    "title": ("Sesión {kind} del Pleno, {date}", "Sessió {kind} del Ple, {date}"),
    "speaker_n": ("Interviniente {n}", "Intervinent {n}"),
    "video": ("Vídeo de la sesión", "Vídeo de la sessió"),
    "no_video": ("Esta sesión se publica sin vídeo.", "Aquesta sessió es publica sense vídeo."),
    "captions": ("Subtítulos", "Subtítols"),
    "chapters": ("Orden del día", "Ordre del dia"),
    "transcript": ("Transcripción", "Transcripció"),
    "transcript_hint": (
        "Pulse una palabra para ver el vídeo desde ese momento.",
        "Premeu una paraula per veure el vídeo des d'aquell moment.",
    ),
    "downloads": ("Descargas (datos abiertos)", "Baixades (dades obertes)"),
    "dl_vtt": ("Subtítulos (WebVTT)", "Subtítols (WebVTT)"),
    "dl_json": ("Transcripción (JSON)", "Transcripció (JSON)"),
    "dl_video": ("Vídeo (MP4)", "Vídeo (MP4)"),
    "play_from": ("Reproducir desde {time}", "Reprodueix des de {time}"),
    "all_sessions": ("Todas las sesiones", "Totes les sessions"),
    "published": ("Publicada", "Publicada"),
    "language": ("Idioma", "Idioma"),
    "play_alone": ("Ver solo esto", "Mira només això"),
    "clip": ("Descargar el fragmento (MP4)", "Baixa el fragment (MP4)"),
    "item_n": ("punto {n}", "punt {n}"),
    "intervention_of": (
        "intervención de {speaker} de las {time}",
        "intervenció de {speaker} de les {time}",
    ),
    "piece_link": (
        "Transcripción de {start} a {end}",
        "Transcripció de {start} a {end}",
    ),
    "embed_open": (
        "{title}: transcripción y orden del día",
        "{title}: transcripció i ordre del dia",
    ),
    "embed": ("Insertar el vídeo en otra web", "Insereix el vídeo en un altre web"),
    "embed_hint": (
        "Copie este código en la página de su web donde quiera el vídeo de la sesión.",
        "Copieu aquest codi a la pàgina del vostre web on vulgueu el vídeo de la sessió.",
    ),
    "card_said": ("{speaker}: «{text}»", "{speaker}: «{text}»"),
    "catalogue_title": (
        "Datos abiertos de los plenos de {council}",
        "Dades obertes dels plens de {council}",
    ),
    "catalogue_description": (
        "Transcripciones, intervenciones y votaciones de las sesiones plenarias publicadas "
        "por {council}.",
        "Transcripcions, intervencions i votacions de les sessions plenàries publicades "
        "per {council}.",
    ),
    "dataset_description": (
        "Transcripción de la sesión plenaria, sus intervenciones y sus votaciones.",
        "Transcripció de la sessió plenària, les seves intervencions i les seves votacions.",
    ),
    "dl_csv": ("Intervenciones (CSV)", "Intervencions (CSV)"),
    "dl_votes": ("Votaciones (CSV)", "Votacions (CSV)"),
    "open_licence": ("Licencia de los datos", "Llicència de les dades"),
    "filter": ("Filtrar las sesiones", "Filtra les sessions"),
    "date_from": ("Desde", "Des de"),
    "date_to": ("Hasta", "Fins a"),
    "session_type": ("Tipo", "Tipus"),
    "any_type": ("Todos", "Tots"),
    "filter_button": ("Filtrar", "Filtra"),
    "no_match": (
        "Ninguna sesión publicada cumple el filtro.",
        "Cap sessió publicada no compleix el filtre.",
    ),
    "feed": ("Novedades (Atom)", "Novetats (Atom)"),
    "feed_title": ("Plenos de {council}", "Plens de {council}"),
    "feed_entry": ("{title}. Lugar: {place}.", "{title}. Lloc: {place}."),
    "bad_date": (
        "La fecha «{value}» no es válida: escríbala como AAAA-MM-DD.",
        "La data «{value}» no és vàlida: escriviu-la com AAAA-MM-DD.",
    ),
}


def public_strings(lang: str) -> dict[str, str]:
    index = LANGUAGES.index(lang) if lang in LANGUAGES else LANGUAGES.index(DEFAULT)
    return {key: pair[index] for key, pair in _STRINGS.items()}
