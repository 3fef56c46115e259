"""What a job's users read when it fails: one Spanish line, no paths, no tool output.

A step's error may carry the storage path of a file, ffmpeg's last stderr line
or a Python exception's text. Those go to the worker's log (with the job id);
``job.error`` and the step's ``error`` get :func:`user_message`, which names
the step and says what to do.
"""

from __future__ import annotations

from plenaria.errors import (
    ConfigError,
    DependencyError,
    InputError,
    MediaError,
    ModelNotFoundError,
    PlenariaError,
)

# What each kind of step does, as a user reads it.
STEP_LABELS = {
    "probe": "la comprobación de la grabación",
    "audio": "la extracción del audio",
    "speech": "la detección de la voz",
    "plan": "el reparto en fragmentos",
    "proxy": "el vídeo de consulta",
    "transcribe": "la transcripción",
    "diarize": "la separación de intervinientes",
    "name": "la identificación de intervinientes",
    "assemble": "el montaje de la transcripción",
    "outputs": "los documentos",
    "record": "la grabación en directo",
}

QUEUE_FAILED = (
    "El proceso no se pudo poner en cola: el servicio de colas no responde. "
    "Reinténtelo más tarde; si sigue igual, avise al administrador."
)


def step_label(step: str) -> str:
    """``transcribe:3`` -> "la transcripción (fragmento 3)"."""
    kind, _, index = step.partition(":")
    label = STEP_LABELS.get(kind, f"el paso {kind}")
    return f"{label} (fragmento {index})" if index.isdigit() else label


def user_message(step: str, error: BaseException) -> str:
    """The line users read for ``error`` raised by ``step`` (the details go to the log)."""
    where = step_label(step)
    if isinstance(error, MediaError):
        return (
            f"Falló {where}: la grabación no se pudo leer o convertir (dañada, incompleta o en "
            "un formato no admitido). Compruebe que se reproduce entera y súbala de nuevo."
        )
    if isinstance(error, ModelNotFoundError | DependencyError | ConfigError):
        return (
            f"Falló {where}: al servidor le falta un modelo o un componente, o está mal "
            "configurado. Avise al administrador; el registro del servidor tiene el detalle."
        )
    if isinstance(error, InputError):
        return (
            f"Falló {where}: los datos del proceso no son válidos. Revise la grabación y las "
            "opciones y cree el proceso de nuevo; el registro del servidor tiene el detalle."
        )
    if isinstance(error, PlenariaError):
        return (
            f"Falló {where}. Reintente el proceso; si vuelve a fallar, avise al "
            "administrador (el registro del servidor tiene el detalle)."
        )
    return (
        f"Error interno en {where}. Reintente el proceso; si vuelve a fallar, avise al "
        "administrador (el registro del servidor tiene el detalle)."
    )
