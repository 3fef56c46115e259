"""A generated sample plenary: Spanish speech from espeak-ng, three voices, an agenda with votes.

``make run`` uses it when no recording is given, so the main job can be tried
on a fresh machine with nothing else. The script is known, so the sample also
carries its ground truth (who says what, when) for tests and benchmarks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from plenaria.errors import DependencyError

SAMPLE_RATE = 22050  # espeak-ng's native rate


@dataclass(frozen=True)
class Voice:
    name: str  # who, as in the roster
    role: str
    espeak: str  # espeak-ng voice, e.g. "es+f3"
    speed_wpm: int = 155
    pitch: int = 50


# Three voices a speaker encoder tells apart (see tests/integration for their similarity).
ALCALDESA = Voice("María Pérez", "alcaldesa", "es+f3", 150, 60)
SECRETARIO = Voice("Joan Puig", "secretario", "es+m3", 160, 35)
CONCEJAL = Voice("Luis García", "concejal", "es+m7", 145, 70)

AGENDA = (
    "Aprobación del acta de la sesión anterior",
    "Modificación de la ordenanza fiscal del agua",
    "Moción sobre el carril bici de la calle Mayor",
    "Ruegos y preguntas",
)

SCRIPT: tuple[tuple[Voice, str], ...] = (
    (
        ALCALDESA,
        "Buenas tardes. Se abre la sesión ordinaria del pleno del Ayuntamiento de Villaejemplo.",
    ),
    (ALCALDESA, "Señor secretario, ¿hay quórum suficiente para celebrar la sesión?"),
    (SECRETARIO, "Sí, señora alcaldesa. Asisten once de los trece concejales. Hay quórum."),
    (ALCALDESA, "Gracias. Pasamos al primer punto del orden del día."),
    (
        SECRETARIO,
        "Primer punto. Aprobación del acta de la sesión anterior, celebrada el veinte de octubre.",
    ),
    (ALCALDESA, "¿Alguna observación al acta? No hay observaciones. Pasamos a votación."),
    (ALCALDESA, "¿Votos a favor? Once votos a favor. Queda aprobada por unanimidad."),
    (
        SECRETARIO,
        "Segundo punto. Modificación de la ordenanza fiscal reguladora de la tasa del agua.",
    ),
    (ALCALDESA, "Tiene la palabra el concejal de Hacienda, señor García."),
    (CONCEJAL, "Gracias, alcaldesa. La propuesta actualiza la tarifa del agua un dos por ciento."),
    (CONCEJAL, "El incremento es inferior al índice de precios y cubre el coste del servicio."),
    (CONCEJAL, "Además se crea una tarifa social para las familias con menos recursos."),
    (ALCALDESA, "Gracias. ¿Alguna intervención más? Pasamos a votación."),
    (ALCALDESA, "¿Votos a favor? Siete. ¿Votos en contra? Cuatro. ¿Abstenciones? Ninguna."),
    (SECRETARIO, "Queda aprobada la modificación con siete votos a favor y cuatro en contra."),
    (
        SECRETARIO,
        "Tercer punto. Moción del grupo municipal sobre el carril bici de la calle Mayor.",
    ),
    (CONCEJAL, "Nuestro grupo propone construir un carril bici seguro en la calle Mayor."),
    (CONCEJAL, "Los vecinos lo piden desde hace años y el coste es asumible para el presupuesto."),
    (ALCALDESA, "El equipo de gobierno comparte el objetivo, pero pide un estudio técnico previo."),
    (CONCEJAL, "Aceptamos incluir el estudio técnico en el texto de la moción."),
    (CONCEJAL, "Pedimos que el estudio esté terminado antes del verano del año que viene."),
    (ALCALDESA, "De acuerdo. El estudio se encargará este trimestre a los servicios técnicos."),
    (ALCALDESA, "Pasamos a votación. ¿Votos a favor? Trece. Se aprueba por unanimidad."),
    (SECRETARIO, "Cuarto punto. Ruegos y preguntas."),
    (
        CONCEJAL,
        "Pregunto a la alcaldesa cuándo se reparará el alumbrado de la plaza de la Iglesia.",
    ),
    (ALCALDESA, "Las obras del alumbrado empezarán el próximo mes y durarán unas tres semanas."),
    (CONCEJAL, "Ruego también que se limpie el solar abandonado junto al colegio público."),
    (ALCALDESA, "Tomamos nota. Los servicios municipales actuarán esta misma semana."),
    (SECRETARIO, "Se han tratado todos los puntos del orden del día."),
    (ALCALDESA, "Se levanta la sesión. Muchas gracias a todos y buenas tardes."),
)


def espeak_binary() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise DependencyError(
            "espeak-ng no está instalado: no se puede generar la grabación de ejemplo.",
            "Instálelo (sudo apt-get install espeak-ng) o use una grabación propia.",
        )
    return exe


def speak(text: str, voice: Voice) -> np.ndarray:
    """Speech for ``text`` as float32 samples at 22.05 kHz, leading/trailing silence trimmed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.wav"
        subprocess.run(
            [
                espeak_binary(),
                "-v",
                voice.espeak,
                "-s",
                str(voice.speed_wpm),
                "-p",
                str(voice.pitch),
                "-w",
                str(out),
                text,
            ],
            check=True,
            capture_output=True,
        )
        with wave.open(str(out), "rb") as w:
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    if rate != SAMPLE_RATE:
        raise DependencyError(
            f"espeak-ng escribió audio a {rate} Hz; se esperaban {SAMPLE_RATE} Hz.",
            "Actualice espeak-ng.",
        )
    samples = pcm.astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples[:0]


@dataclass(frozen=True)
class SampleLine:
    speaker: str
    role: str
    start: float
    end: float
    text: str


def render_script(
    script: Sequence[tuple[Voice, str]],
    pause_s: float = 1.0,
    lead_s: float = 1.0,
    repeat: int = 1,
) -> tuple[np.ndarray, list[SampleLine]]:
    """The script spoken in order (``repeat`` times), with pauses; returns audio and its timing."""
    cache: dict[tuple[str, str], np.ndarray] = {}
    parts = [np.zeros(int(lead_s * SAMPLE_RATE), np.float32)]
    lines: list[SampleLine] = []
    t = lead_s
    for _ in range(repeat):
        for voice, text in script:
            key = (voice.espeak, text)
            if key not in cache:
                cache[key] = speak(text, voice)
            audio = cache[key]
            lines.append(SampleLine(voice.name, voice.role, t, t + len(audio) / SAMPLE_RATE, text))
            t += len(audio) / SAMPLE_RATE + pause_s
            parts += [audio, np.zeros(int(pause_s * SAMPLE_RATE), np.float32)]
    return np.concatenate(parts), lines


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def make_sample(out_dir: Path, name: str = "pleno-ejemplo", repeat: int = 1) -> Path:
    """Write ``<name>.mp4`` (video and speech), ``<name>.yaml`` (session), ``<name>.truth.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    audio, lines = render_script(SCRIPT, repeat=repeat)
    video = out_dir / f"{name}.mp4"
    with tempfile.TemporaryDirectory() as tmp:
        wav = write_wav(Path(tmp) / "speech.wav", audio)
        duration = len(audio) / SAMPLE_RATE
        from plenaria.media.ffmpeg import run_ffmpeg

        run_ffmpeg(
            [
                "-y",
                "-f", "lavfi", "-i", f"color=c=0x1d3557:s=640x360:r=10:d={duration:.3f}",
                "-i", str(wav),
                "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage",
                "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "96k", "-ar", "44100",
                "-shortest", "-movflags", "+faststart",
                str(video),
            ],
            what="hacer el vídeo de ejemplo",
        )  # fmt: skip
    session = {
        "id": name,
        "council": "Ayuntamiento de Villaejemplo",
        "date": "2026-11-24",
        "session_type": "ordinaria",
        "place": "Salón de plenos de la Casa Consistorial",
        "start_time": "18:00",
        "president": f"{ALCALDESA.name} ({ALCALDESA.role})",
        "secretary": SECRETARIO.name,
        "agenda": list(AGENDA),
        "vocabulary": ["Villaejemplo", "García", "calle Mayor"],
    }
    (out_dir / f"{name}.yaml").write_text(
        "# Datos de la sesión para la cabecera del acta (plenaria process --session)\n"
        + yaml.safe_dump(session, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    truth = [line.__dict__ for line in lines]
    (out_dir / f"{name}.truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return video
