"""The citizens' portal's strings in Spanish and Catalan (the languages of the web app).

A public page speaks the published session's language (a list or a search: the
council's acta language); ``?lang=es|ca`` overrides it.
"""

from __future__ import annotations

from typing import Any

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
    "share": ("Compartir este momento", "Comparteix aquest moment"),
    "share_copied": ("Enlace copiado: {url}", "Enllaç copiat: {url}"),
    "share_manual": ("Copie este enlace: {url}", "Copieu aquest enllaç: {url}"),
    "dl_acta": ("Acta firmada (PDF)", "Acta signada (PDF)"),
    "dl_csv": ("Intervenciones (CSV)", "Intervencions (CSV)"),
    "dl_votes": ("Votaciones (CSV)", "Votacions (CSV)"),
    "open_licence": ("Licencia de los datos", "Llicència de les dades"),
    "members": ("Miembros de la corporación", "Membres de la corporació"),
    "no_members": ("No hay miembros publicados.", "No hi ha membres publicats."),
    "former": ("ya no es miembro", "ja no n'és membre"),
    "member_said": ("Intervenciones", "Intervencions"),
    "member_votes": ("Votaciones", "Votacions"),
    "member_nothing": (
        "No consta ninguna intervención ni votación suya en las sesiones publicadas.",
        "No hi consta cap intervenció ni votació seva a les sessions publicades.",
    ),
    "vote_for": ("a favor", "a favor"),
    "vote_against": ("en contra", "en contra"),
    "vote_abstention": ("abstención", "abstenció"),
    "vote_by_name": ("votación nominal", "votació nominal"),
    "vote_by_group": ("voto de su grupo", "vot del seu grup"),
    "vote_unanimous": ("por unanimidad", "per unanimitat"),
    "a11y_title": ("Declaración de accesibilidad", "Declaració d'accessibilitat"),
    "a11y_link": ("Accesibilidad", "Accessibilitat"),
    "a11y_intro": (
        "{council} se ha comprometido a hacer accesible este portal de sus plenos, de "
        "conformidad con el Real Decreto 1112/2018, sobre accesibilidad de los sitios web y "
        "aplicaciones para dispositivos móviles del sector público.",
        "{council} s'ha compromès a fer accessible aquest portal dels seus plens, de "
        "conformitat amb el Reial decret 1112/2018, sobre accessibilitat dels llocs web i "
        "aplicacions per a dispositius mòbils del sector públic.",
    ),
    "a11y_status_h": ("Situación de cumplimiento", "Situació de compliment"),
    "a11y_status": (
        "Este portal es parcialmente conforme con el nivel AA de las WCAG 2.1 (norma UNE-EN "
        "301549:2022) debido a las excepciones que se enumeran a continuación.",
        "Aquest portal és parcialment conforme amb el nivell AA de les WCAG 2.1 (norma UNE-EN "
        "301549:2022) a causa de les excepcions que s'enumeren a continuació.",
    ),
    "a11y_limits_h": ("Contenido no accesible", "Contingut no accessible"),
    "a11y_limit_captions": (
        "Los subtítulos y la transcripción se hacen por reconocimiento automático del habla y "
        "pueden contener errores hasta que la Secretaría los revisa.",
        "Els subtítols i la transcripció es fan per reconeixement automàtic de la parla i "
        "poden contenir errors fins que la Secretaria els revisa.",
    ),
    "a11y_limit_redacted": (
        "Las partes censuradas por protección de datos o por ser secretas (art. 70.1 LBRL) no "
        "tienen audio, imagen ni texto.",
        "Les parts censurades per protecció de dades o per ser secretes (art. 70.1 LBRL) no "
        "tenen àudio, imatge ni text.",
    ),
    "a11y_how_h": ("Cómo se ha preparado", "Com s'ha preparat"),
    "a11y_how": (
        "Cada tipo de página se comprueba automáticamente con axe-core en cada versión de "
        "Plenaria, y puede usarse solo con el teclado; la transcripción es la alternativa "
        "textual del vídeo.",
        "Cada tipus de pàgina es comprova automàticament amb axe-core a cada versió de "
        "Plenaria, i es pot fer servir només amb el teclat; la transcripció és l'alternativa "
        "textual del vídeo.",
    ),
    "a11y_contact_h": ("Observaciones y datos de contacto", "Observacions i dades de contacte"),
    "a11y_contact": (
        "Puede comunicar a {council} cualquier barrera de accesibilidad, o pedir un contenido "
        "en un formato accesible, por su sede electrónica o su registro.",
        "Podeu comunicar a {council} qualsevol barrera d'accessibilitat, o demanar un "
        "contingut en un format accessible, per la seva seu electrònica o el seu registre.",
    ),
    "a11y_enforce_h": ("Procedimiento de aplicación", "Procediment d'aplicació"),
    "a11y_enforce": (
        "Si su comunicación no recibe respuesta en veinte días hábiles, o la respuesta no le "
        "satisface, puede presentar una reclamación conforme al artículo 13 del Real Decreto "
        "1112/2018.",
        "Si la vostra comunicació no rep resposta en vint dies hàbils, o la resposta no us "
        "satisfà, podeu presentar una reclamació d'acord amb l'article 13 del Reial decret "
        "1112/2018.",
    ),
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


def session_title(plenary: Any, t: dict[str, str]) -> str:
    """A published session as the portal names it: "Sesión ordinaria del Pleno, 2024-05-30"."""
    kind = t.get(f"type_{plenary.session_type.split()[-1]}", plenary.session_type)
    return t["title"].format(kind=kind, date=plenary.date).strip(", ")
