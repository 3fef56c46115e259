"""The acta's page strings (its state, the ROF 109 check list, review, approval, signature,
publication, downloads, history) in Spanish and Catalan; :mod:`plenaria.api.i18n` serves
them with the rest. :data:`FIELDS`: each ROF 109 field of ``missing`` in Catalan (the
Spanish is :data:`plenaria.assembly.acta.MISSING_KEYS`'s)."""

from __future__ import annotations

ACTA_STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, ca)
    "acta_link": ("Acta, aprobación y firma", "Acta, aprovació i signatura"),
    "acta_link_pdf": ("Acta aprobada en PDF", "Acta aprovada en PDF"),
    "acta_title": ("Acta de la sesión", "Acta de la sessió"),
    "acta_state": ("Estado del acta", "Estat de l'acta"),
    "acta_state_draft": ("Borrador", "Esborrany"),
    "acta_state_in_review": ("En revisión", "En revisió"),
    "acta_state_approved": ("Aprobada", "Aprovada"),
    "acta_state_signed": ("Firmada", "Signada"),
    "acta_state_published": ("Publicada", "Publicada"),
    "acta_latest": ("Última versión", "Darrera versió"),
    "acta_approved_version": ("Versión aprobada", "Versió aprovada"),
    "acta_portal": ("Portal de la ciudadanía", "Portal de la ciutadania"),
    "acta_portal_live": ("Publicada en el portal", "Publicada al portal"),
    "acta_portal_off": ("No está en el portal", "No és al portal"),
    "acta_session_data": ("Datos de la sesión", "Dades de la sessió"),
    "acta_roles": (
        "Un auxiliar prepara el acta y la envía a revisión; secretaría la aprueba, la firma "
        "y la publica.",
        "Un auxiliar prepara l'acta i l'envia a revisió; secretaria l'aprova, la signa i la "
        "publica.",
    ),
    "acta_checklist": (
        "Lista de comprobación (art. 109 del ROF)",
        "Llista de comprovació (art. 109 del ROF)",
    ),
    "acta_complete": (
        "No falta ningún dato del art. 109 del ROF.",
        "No hi falta cap dada de l'art. 109 del ROF.",
    ),
    "acta_missing_hint": (
        "Cada dato que falta se rellena donde está o se marca como no aplicable con un "
        "motivo; hasta entonces el acta no se puede aprobar.",
        "Cada dada que hi falta s'emplena on és o es marca com a no aplicable amb un motiu; "
        "fins aleshores l'acta no es pot aprovar.",
    ),
    "acta_fill_session": (
        "Rellenar en los datos de la sesión",
        "Emplena-ho a les dades de la sessió",
    ),
    "acta_fill_editor": ("Rellenar en el editor", "Emplena-ho a l'editor"),
    "acta_na_done": (
        "No aplicable: {reason} ({by}, {at})",
        "No aplicable: {reason} ({by}, {at})",
    ),
    "acta_na_reason": ("Motivo por el que no se aplica", "Motiu pel qual no s'aplica"),
    "acta_na_mark": ("Marcar como no aplicable", "Marca com a no aplicable"),
    "acta_actions": ("Tramitación", "Tramitació"),
    "acta_submit": ("Enviar a revisión", "Envia a revisió"),
    "acta_return": ("Devolver a borrador", "Retorna a esborrany"),
    "acta_approve": ("Aprobar", "Aprova"),
    "acta_sign_title": ("Firma", "Signatura"),
    "acta_sign_server": (
        "Firmar con el certificado del servidor",
        "Signa amb el certificat del servidor",
    ),
    "acta_sign_own": ("Firmar con su certificado", "Signa amb el vostre certificat"),
    "acta_pkcs12": ("Certificado (.p12, .pfx)", "Certificat (.p12, .pfx)"),
    "acta_pkcs12_password": ("Contraseña del certificado", "Contrasenya del certificat"),
    "acta_sign": ("Firmar", "Signa"),
    "acta_sign_outside": (
        "PDF firmado fuera (AutoFirma)",
        "PDF signat fora (AutoFirma)",
    ),
    "acta_sign_outside_hint": (
        "Descargue el PDF/A del acta aprobada, fírmelo sin modificarlo y súbalo aquí.",
        "Baixeu el PDF/A de l'acta aprovada, signeu-lo sense modificar-lo i pugeu-lo aquí.",
    ),
    "acta_signed_file": ("PDF firmado", "PDF signat"),
    "acta_upload_signed": ("Subir el PDF firmado", "Puja el PDF signat"),
    "acta_publish": ("Publicar en el portal", "Publica al portal"),
    "acta_withdraw": ("Retirar del portal", "Retira del portal"),
    "acta_correction": ("Abrir una corrección (diligencia)", "Obre una correcció (diligència)"),
    "acta_correction_reason": ("Motivo de la diligencia", "Motiu de la diligència"),
    "acta_dl_draft": ("Borrador del acta (DOCX)", "Esborrany de l'acta (DOCX)"),
    "acta_dl_approved": ("Acta aprobada (DOCX)", "Acta aprovada (DOCX)"),
    "acta_dl_pdf": ("Acta aprobada (PDF/A)", "Acta aprovada (PDF/A)"),
    "acta_dl_signed": ("Acta firmada (PDF/A)", "Acta signada (PDF/A)"),
    "acta_dl_cert": ("Certificado (DOCX)", "Certificat (DOCX)"),
    "acta_dl_cert_txt": ("Certificado (texto)", "Certificat (text)"),
    "acta_dl_package": (
        "Paquete para la sede electrónica (ZIP)",
        "Paquet per a la seu electrònica (ZIP)",
    ),
    "acta_versions": ("Versiones aprobadas y diligencias", "Versions aprovades i diligències"),
    "acta_no_versions": (
        "Todavía no hay ninguna versión aprobada.",
        "Encara no hi ha cap versió aprovada.",
    ),
    "acta_cert_row": (
        "Versión {n}, aprobada el {at}; CSV {csv}",
        "Versió {n}, aprovada el {at}; CSV {csv}",
    ),
    "acta_corr_row": (
        "Diligencia: la versión {n} corrige la {old}. Motivo: {reason} ({by}, {at})",
        "Diligència: la versió {n} corregeix la {old}. Motiu: {reason} ({by}, {at})",
    ),
    "acta_history": ("Registro de cambios del acta", "Registre de canvis de l'acta"),
    "acta_no_history": ("Todavía no hay cambios.", "Encara no hi ha canvis."),
    "acta_col_when": ("Cuándo", "Quan"),
    "acta_col_who": ("Quién", "Qui"),
    "acta_col_what": ("Qué", "Què"),
    "acta_nobody": ("el sistema", "el sistema"),
    "acta_ev_transition": ("De «{old}» a «{new}»", "De «{old}» a «{new}»"),
    "acta_ev_na": (
        "No aplicable: {field}. Motivo: {reason}",
        "No aplicable: {field}. Motiu: {reason}",
    ),
    "acta_ev_correction": (
        "Diligencia de la versión {old}: {reason}",
        "Diligència de la versió {old}: {reason}",
    ),
    "acta_ev_signed": ("Firmante: {signer}", "Signant: {signer}"),
    "acta_done": ("Hecho: el acta está «{state}».", "Fet: l'acta és «{state}»."),
    "acta_no_transcript": (
        "Esta sesión aún no tiene transcripción: el acta se prepara cuando termine su proceso.",
        "Aquesta sessió encara no té transcripció: l'acta es prepara quan acabi el procés.",
    ),
    # The page's refusals
    "acta_err_missing": (
        "No se puede aprobar el acta: falta {fields}.",
        "No es pot aprovar l'acta: hi falta {fields}.",
    ),
    "acta_err_state": (
        "El acta está «{now}» y no puede pasar a «{to}».",
        "L'acta és «{now}» i no pot passar a «{to}».",
    ),
    "acta_err_reason": (
        "Escriba el motivo (al menos 3 caracteres, como mucho 500).",
        "Escriviu el motiu (com a mínim 3 caràcters, com a màxim 500).",
    ),
    "acta_err_no_file": ("Elija el PDF firmado.", "Trieu el PDF signat."),
    "acta_err_password": (
        "La contraseña del certificado no es correcta.",
        "La contrasenya del certificat no és correcta.",
    ),
    "acta_err_no_cert": (
        "El servidor no tiene certificado de firma: adjunte el suyo (.p12, .pfx) con su "
        "contraseña, o suba el PDF firmado fuera.",
        "El servidor no té certificat de signatura: adjunteu el vostre (.p12, .pfx) amb la "
        "contrasenya, o pugeu el PDF signat fora.",
    ),
    "acta_err_not_signed": (
        "El PDF subido no lleva firma electrónica.",
        "El PDF pujat no porta signatura electrònica.",
    ),
    "acta_err_not_ours": (
        "El PDF firmado no es el acta aprobada: fírmelo sin modificarlo.",
        "El PDF signat no és l'acta aprovada: signeu-lo sense modificar-lo.",
    ),
    "acta_err_invalid": (
        "La firma del PDF no es válida o no es de una autoridad de confianza.",
        "La signatura del PDF no és vàlida o no és d'una autoritat de confiança.",
    ),
}

# A field of ``missing`` in Catalan ("{n}": the agenda item's number).
FIELDS: dict[str, str] = {
    "date": "la data de la sessió",
    "place": "el lloc de la sessió",
    "session_type": "el caràcter de la sessió (ordinària o extraordinària)",
    "start_time": "l'hora d'inici",
    "end_time": "l'hora en què s'aixeca la sessió",
    "president": "qui presideix",
    "secretary": "el secretari que en dona fe",
    "attendance": "els membres assistents, excusats i absents",
    "quorum": "si hi va haver quòrum",
    "item_start": "on comença el punt {n} de l'ordre del dia",
    "item_vote": "la votació del punt {n}, que se sotmet a votació",
}
