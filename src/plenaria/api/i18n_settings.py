"""The settings pages' strings (council, roster, users, tokens, a session's data and its
deletion) in Spanish and Catalan; :mod:`plenaria.api.i18n` serves them with the rest."""

from __future__ import annotations

SETTINGS_STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "nav_settings": ("Ajustes", "Configuració"),
    "set_title": ("Ajustes del ayuntamiento", "Configuració de l'ajuntament"),
    "set_nav": ("Secciones de los ajustes", "Seccions de la configuració"),
    "set_council": ("Datos del ayuntamiento", "Dades de l'ajuntament"),
    "set_council_hint": (
        "Enlace al vídeo, idiomas del pleno, vocabulario de la transcripción e idioma del acta.",
        "Enllaç al vídeo, idiomes del ple, vocabulari de la transcripció i idioma de l'acta.",
    ),
    "set_roster": ("Miembros de la corporación", "Membres de la corporació"),
    "set_roster_hint": (
        "Las personas que intervienen en los plenos.",
        "Les persones que intervenen als plens.",
    ),
    "set_users": ("Usuarios y funciones", "Usuaris i funcions"),
    "set_users_hint": (
        "Quién entra en Plenaria y qué puede hacer.",
        "Qui entra a Plenaria i què hi pot fer.",
    ),
    "set_tokens": ("Tokens de API", "Tokens d'API"),
    "set_tokens_hint": (
        "Claves para que otros programas usen Plenaria en su nombre.",
        "Claus perquè altres programes facin servir Plenaria en nom vostre.",
    ),
    "set_saved": ("Cambios guardados.", "Canvis desats."),
    "set_added": ("Añadido.", "Afegit."),
    "set_revoked": ("Token revocado.", "Token revocat."),
    "set_save": ("Guardar los cambios", "Desa els canvis"),
    "set_add": ("Añadir", "Afegeix"),
    "set_edit": ("Editar", "Edita"),
    "set_deactivate": ("Desactivar", "Desactiva"),
    "set_reactivate": ("Reactivar", "Reactiva"),
    "set_active": ("Activo", "Actiu"),
    "set_inactive": ("Inactivo", "Inactiu"),
    "set_state": ("Estado", "Estat"),
    "set_readonly": (
        "Solo administración puede cambiar estos datos.",
        "Només l'administració pot canviar aquestes dades.",
    ),
    "set_video_template": ("Plantilla del enlace al vídeo", "Plantilla de l'enllaç al vídeo"),
    "set_video_template_hint": (
        "Dirección del vídeo de la sesión en la sede electrónica; {session} es el "
        "identificador de la sesión y {seconds} el segundo de cada intervención.",
        "Adreça del vídeo de la sessió a la seu electrònica; {session} és l'identificador "
        "de la sessió i {seconds} el segon de cada intervenció.",
    ),
    "set_vocabulary": (
        "Vocabulario (una palabra o nombre por línea)",
        "Vocabulari (un mot o nom per línia)",
    ),
    "set_vocabulary_hint": (
        "Nombres propios y términos del municipio que la transcripción debe reconocer.",
        "Noms propis i termes del municipi que la transcripció ha de reconèixer.",
    ),
    "set_acta_lang": ("Idioma del acta", "Idioma de l'acta"),
    "lang_es": ("Castellano", "Castellà"),
    "lang_ca": ("Catalán", "Català"),
    "lang_gl": ("Gallego", "Gallec"),
    "lang_eu": ("Euskera", "Basc"),
    "set_person_name": ("Nombre y apellidos", "Nom i cognoms"),
    "set_person_role": ("Cargo", "Càrrec"),
    "set_person_group": ("Grupo municipal", "Grup municipal"),
    "set_person_add": ("Añadir un miembro", "Afegeix un membre"),
    "set_person_edit": ("Editar un miembro de la corporación", "Edita un membre de la corporació"),
    "set_person_active": (
        "Activo (aparece en las listas de las sesiones nuevas)",
        "Actiu (apareix a les llistes de les sessions noves)",
    ),
    "set_back_roster": ("Volver a los miembros", "Torna als membres"),
    "set_user_email": ("Correo electrónico", "Correu electrònic"),
    "set_user_password": (
        "Contraseña inicial (12 caracteres o más)",
        "Contrasenya inicial (12 caràcters o més)",
    ),
    "set_user_role": ("Función", "Funció"),
    "set_user_add": ("Añadir un usuario", "Afegeix un usuari"),
    "set_user_last_login": ("Última entrada", "Darrera entrada"),
    "set_change_role": ("Cambiar la función", "Canvia la funció"),
    "set_you": ("(usted)", "(vós)"),
    "set_never": ("nunca", "mai"),
    "role_admin": ("Administración", "Administració"),
    "role_secretary": ("Secretaría", "Secretaria"),
    "role_clerk": ("Auxiliar", "Auxiliar"),
    "set_token_name": (
        "Nombre (la integración que lo usará)",
        "Nom (la integració que el farà servir)",
    ),
    "set_token_days": (
        "Caduca a los (días; vacío: no caduca)",
        "Caduca al cap de (dies; buit: no caduca)",
    ),
    "set_token_create": ("Crear un token", "Crea un token"),
    "set_token_new": (
        "Copie este token ahora: no se volverá a mostrar.",
        "Copieu aquest token ara: no es tornarà a mostrar.",
    ),
    "set_token_prefix": ("Empieza por", "Comença per"),
    "set_token_created": ("Creado", "Creat"),
    "set_token_used": ("Último uso", "Darrer ús"),
    "set_token_expires": ("Caduca", "Caduca"),
    "set_token_revoke": ("Revocar", "Revoca"),
    "set_token_revoked": ("Revocado", "Revocat"),
    "set_token_expired": ("Caducado", "Caducat"),
    "set_no_tokens": ("No tiene tokens.", "No teniu cap token."),
    "set_session_title": ("Datos de la sesión", "Dades de la sessió"),
    "set_session_saved": ("Datos de la sesión guardados.", "Dades de la sessió desades."),
    "set_session_edit": ("Datos de la sesión", "Dades de la sessió"),
    "set_session_agenda": ("Orden del día", "Ordre del dia"),
    "set_session_no_agenda": ("Sin orden del día.", "Sense ordre del dia."),
    "set_session_delete": ("Borrar la sesión", "Esborra la sessió"),
    "set_delete_title": ("Borrar la sesión y sus archivos", "Esborra la sessió i els fitxers"),
    "set_delete_warning": (
        "Se borrarán para siempre la sesión, su grabación, la transcripción con todas sus "
        "versiones, el acta, los subtítulos, el vídeo web y la publicación en el portal. "
        "No se puede deshacer.",
        "S'esborraran per sempre la sessió, l'enregistrament, la transcripció amb totes les "
        "versions, l'acta, els subtítols, el vídeo web i la publicació al portal. No es pot "
        "desfer.",
    ),
    "set_delete_counts": (
        "{jobs} procesos y {versions} versiones de la transcripción.",
        "{jobs} processos i {versions} versions de la transcripció.",
    ),
    "set_delete_confirm": (
        "Entiendo que se borrará todo y no se podrá recuperar.",
        "Entenc que s'esborrarà tot i que no es podrà recuperar.",
    ),
    "set_delete_button": ("Borrar definitivamente", "Esborra definitivament"),
    "set_delete_cancel": ("No borrar y volver", "No esborris i torna"),
    "set_delete_unconfirmed": (
        "Marque la casilla de confirmación para borrar la sesión.",
        "Marqueu la casella de confirmació per esborrar la sessió.",
    ),
    "set_deleted_title": ("Sesión borrada", "Sessió esborrada"),
    "set_deleted": (
        "La sesión {name} y sus archivos se han borrado.",
        "La sessió {name} i els fitxers s'han esborrat.",
    ),
    "set_err_empty": ("{field}: no puede quedar vacío.", "{field}: no pot quedar buit."),
    "set_err_long": (
        "{field}: demasiado largo (máximo {n} caracteres).",
        "{field}: massa llarg (màxim {n} caràcters).",
    ),
    "set_err_format": (
        "{field}: formato no válido; corríjalo.",
        "{field}: format no vàlid; corregiu-lo.",
    ),
    "set_err_choice": (
        "{field}: elija una de las opciones de la lista.",
        "{field}: trieu una de les opcions de la llista.",
    ),
    "set_err_number": (
        "{field}: escriba un número de días entre 1 y 3650.",
        "{field}: escriviu un nombre de dies entre 1 i 3650.",
    ),
    "set_err_invalid": (
        "{field}: valor no válido; corríjalo.",
        "{field}: valor no vàlid; corregiu-lo.",
    ),
    "set_err_terms": (
        "Vocabulario: como máximo 5000 términos de 200 caracteres cada uno.",
        "Vocabulari: com a màxim 5000 termes de 200 caràcters cadascun.",
    ),
}
