"""Evaluation plenos: scripts and voices that no tuning run, sample or other test uses.

The defaults of Plenaria were chosen on a tuning set whose generated plenos share the
sample's script and voices (``plenaria.cli.samples``, ``bench/_plenos.py``). What is here
is the other side (issue 18): council-like scripts written for evaluation only, in Spanish
and in Catalan (a Catalan pleno where two members speak Spanish), read by espeak-ng
variants that appear nowhere else in the repository and by festival's Catalan voice (Ona),
with room noise, music-like tones before the session and a long recess in the middle.

- ``EVAL_ES``, ``EVAL_CA``: the evaluation plenos. ``bench/_evalset.py`` renders them
  (cached, with truth files) and the accuracy tests render them in a fixture.
- ``CAL_ES``, ``CAL_CA``, ``CAL_ES2``, ``CAL_CA2``: a calibration split with yet other
  voices and scripts, for fitting thresholds (``bench/evaluate.py --calibrate``); never
  scored as evaluation.

Everything is deterministic: the speaking order is the script's, the pauses and the noise
come from the pleno's seed. Imported by tests (``tests/`` on ``sys.path``) and by bench.
"""

from __future__ import annotations

import io
import math
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from plenaria.cli.samples import write_wav as write_pcm

RATE = 16_000


@dataclass(frozen=True)
class Member:
    """A council member and the synthetic voice that reads their lines."""

    name: str
    voice: str  # espeak-ng voice+variant, or "festival:ca" for festival's Ona
    pitch: int = 50
    speed: int = 155
    enrolled: bool = True  # False: an unseen voice, any name on it is wrong

    @property
    def label(self) -> str:
        return self.voice if self.voice.startswith("festival") else (
            f"{self.voice} -p{self.pitch} -s{self.speed}"
        )  # fmt: skip


@dataclass(frozen=True)
class Line:
    who: str  # a key of the pleno's members
    text: str
    language: str = ""  # "": the pleno's


@dataclass(frozen=True)
class Recess:
    seconds: float  # nobody speaks (room noise only)


@dataclass(frozen=True)
class Pleno:
    name: str
    language: str
    members: dict[str, Member]
    parts: tuple[Line | Recess, ...]
    music_s: float = 12.0  # music-like tones before the session
    snr_db: float = 25.0  # room noise under everything
    seed: int = 0
    enrolment: tuple[str, ...] = field(default=())  # texts each enrolled member reads

    def shortened(self, recess_s: float, music_s: float) -> Pleno:
        """The same pleno with a shorter recess and music (tests keep their runtime small)."""
        parts = tuple(Recess(recess_s) if isinstance(p, Recess) else p for p in self.parts)
        return replace(self, parts=parts, music_s=music_s)


# --- the scripts -------------------------------------------------------------------------

ENROL_ES = (
    "Me llamo como consta en el registro de miembros de esta corporación municipal.",
    "Represento a mi grupo en la comisión de hacienda y en la de servicios sociales.",
    "Esta grabación sirve para que el sistema reconozca mi voz en las próximas sesiones.",
    "Leo este texto con calma, a la velocidad a la que suelo intervenir en los plenos.",
)
ENROL_CA = (
    "Em dic tal com consta en el registre de membres d'aquesta corporació municipal.",
    "Represento el meu grup a la comissió d'hisenda i a la de serveis socials.",
    "Aquesta gravació serveix perquè el sistema reconegui la meva veu a les properes sessions.",
    "Llegeixo aquest text amb calma, a la velocitat a què acostumo a parlar als plens.",
)

EVAL_ES = Pleno(
    name="eval-es-valdemora",
    language="es",
    members={
        "alc": Member("Tomás Ferrer", "es+m8", 40, 150),
        "sec": Member("Lucía Navarro", "es+linda", 62, 150),
        "opo": Member("Andrés Ibarra", "es+antonio", 52, 165),
        "con": Member("Ramón Esteve", "es+m2", 45, 140, enrolled=False),
    },
    parts=(
        Line("alc", "Buenas noches. Comienza la sesión extraordinaria del pleno de Valdemora."),
        Line("sec", "Asisten nueve concejales. Excusa su asistencia la concejala de cultura."),
        Line("alc", "Primer asunto. Contrato de mantenimiento del alumbrado público."),
        Line(
            "sec",
            "El contrato dura cuatro años y cambia las farolas antiguas por luminarias de bajo "
            "consumo.",
        ),
        Line("opo", "Nuestro grupo pide que las obras empiecen por los barrios del norte."),
        Line("con", "El equipo de gobierno acepta la propuesta y la incluye en el pliego."),
        Line(
            "alc", "Se somete a votación. Queda aprobado con siete votos a favor y dos en contra."
        ),
        Line("alc", "Hacemos un receso de unos minutos para preparar la documentación."),
        Recess(40.0),
        Line("alc", "Se reanuda la sesión. Segundo asunto, las ayudas al comercio local."),
        Line(
            "con",
            "Proponemos repartir ochenta mil euros entre las tiendas que renueven sus escaparates.",
        ),
        Line("opo", "Es poco dinero. Las tiendas del mercado llevan dos años esperando."),
        Line("sec", "Consta el informe favorable de intervención, firmado el martes pasado."),
        Line("alc", "Votos a favor, seis. En contra, ninguno. Abstenciones, tres."),
        Line("alc", "No habiendo más asuntos, se levanta la sesión a las diez menos cuarto."),
    ),
    music_s=12.0,
    snr_db=25.0,
    seed=18,
    enrolment=ENROL_ES,
)

EVAL_CA = Pleno(
    name="eval-ca-rocafort",
    language="ca",
    members={
        "pre": Member("Montserrat Vidal", "festival:ca"),
        "sec": Member("Jordi Casals", "ca+m6", 40, 150),
        "reg": Member("Pau Riera", "ca+david", 55, 160),
        "ves": Member("Elena Robles", "es+anika", 62, 150),
        "ves2": Member("Fernando Gil", "es+victor", 38, 155, enrolled=False),
    },
    parts=(
        Line("pre", "Bona tarda. Comença la sessió ordinària del ple de Rocafort."),
        Line("sec", "Hi ha quòrum. Assisteixen onze regidors dels tretze que formen el ple."),
        Line("pre", "Primer punt, la reforma de la biblioteca municipal."),
        Line("reg", "La reforma amplia la sala d'estudi i obre la biblioteca els dissabtes."),
        Line(
            "ves",
            "Nuestro grupo votará a favor, pero pedimos más horas de apertura en verano.",
            "es",
        ),
        Line("pre", "Passem a votació. Queda aprovat per unanimitat."),
        Line("pre", "Segon punt, la moció sobre l'aparcament de la plaça major."),
        Line(
            "ves2",
            "Los vecinos del centro no encuentran aparcamiento desde que cerraron el solar.",
            "es",
        ),
        Line("reg", "L'equip de govern estudiarà un aparcament provisional a l'antiga estació."),
        Line("ves", "Agradecemos la respuesta y retiramos la moción.", "es"),
        Line("sec", "Es retira la moció a petició del grup proposant."),
        Line("pre", "S'aixeca la sessió. Bona nit a tothom."),
    ),
    music_s=8.0,
    snr_db=30.0,
    seed=19,
    enrolment=ENROL_CA,
)

# Calibration split: other voices, other words. For thresholds only, never for the figures.
CAL_ES = Pleno(
    name="cal-es-montalbo",
    language="es",
    members={
        "alc": Member("Rosa Lozano", "es+steph", 60, 155),
        "sec": Member("Ernesto Villa", "es+m4", 42, 150),
        "con": Member("Julián Soto", "es+edward", 50, 160),
        "opo": Member("Marta Bravo", "es+grandpa", 55, 145, enrolled=False),
    },
    parts=(
        Line("alc", "Se abre la sesión. Tiene la palabra el secretario para pasar lista."),
        Line("sec", "Están presentes todos los concejales menos el señor Cuesta."),
        Line("alc", "Único punto, la ordenanza de terrazas en la vía pública."),
        Line("con", "La ordenanza limita el horario de las terrazas a la una de la madrugada."),
        Line("opo", "Los hosteleros no fueron consultados y pedimos dejarla sobre la mesa."),
        Line("con", "Hubo tres reuniones con la asociación de hostelería en primavera."),
        Recess(20.0),
        Line("alc", "Votamos. Se aprueba con ocho votos a favor y cinco en contra."),
        Line("sec", "Se incorporará el texto definitivo al boletín oficial de la provincia."),
        Line("alc", "Se levanta la sesión. Gracias a todos."),
    ),
    music_s=6.0,
    snr_db=28.0,
    seed=28,
    enrolment=ENROL_ES,
)

CAL_CA = Pleno(
    name="cal-ca-vilanova",
    language="ca",
    members={
        "pre": Member("Núria Bosch", "ca+anika", 60, 150),
        "sec": Member("Oriol Mas", "ca+m5", 42, 150),
        "reg": Member("Xavier Font", "ca+Michael", 50, 160),
        "ves": Member("Pilar Gómez", "es+klatt2", 55, 150, enrolled=False),
    },
    parts=(
        Line("pre", "Bon vespre. Obrim la sessió del ple de Vilanova."),
        Line("sec", "Assisteixen deu regidors. Excusa l'assistència la regidora d'esports."),
        Line("pre", "Primer punt, les obres del poliesportiu municipal."),
        Line("reg", "Les obres canviaran la coberta i la calefacció de la piscina."),
        Line("ves", "Pedimos que la piscina no cierre durante el curso escolar.", "es"),
        Line("reg", "Les obres es faran a l'estiu, quan la piscina és tancada."),
        Line("pre", "Queda aprovat amb nou vots a favor i una abstenció."),
        Line("pre", "S'aixeca la sessió."),
    ),
    music_s=5.0,
    snr_db=30.0,
    seed=29,
    enrolment=ENROL_CA,
)

CAL_ES2 = Pleno(
    name="cal-es-almedina",
    language="es",
    members={
        "alc": Member("Sofía Campos", "es+belinda", 58, 150),
        "sec": Member("Alberto Ruiz", "es+iven", 45, 160),
        "con": Member("Diego Pastor", "es+Hugo", 40, 150),
        "opo": Member("Carmen Ortega", "es+aunty", 60, 145, enrolled=False),
    },
    parts=(
        Line("alc", "Buenos días. Empieza la sesión ordinaria de noviembre."),
        Line("sec", "Hay quórum. Faltan dos concejales que han justificado su ausencia."),
        Line("alc", "Primer punto, el convenio con la mancomunidad para la recogida de basura."),
        Line("con", "El convenio rebaja el coste del servicio y añade un camión de reciclaje."),
        Line("opo", "No nos oponemos, pero el camión llega tarde a las pedanías."),
        Line("con", "Las pedanías tendrán recogida tres días por semana a partir de enero."),
        Line("alc", "Votos a favor, diez. Abstenciones, tres. Queda aprobado."),
        Recess(15.0),
        Line("opo", "Pregunto cuándo se arreglará el puente del camino viejo."),
        Line("con", "Las obras del puente están adjudicadas y empiezan en febrero."),
        Line("alc", "Se levanta la sesión."),
    ),
    music_s=6.0,
    snr_db=22.0,
    seed=38,
    enrolment=ENROL_ES,
)

CAL_CA2 = Pleno(
    name="cal-ca-santfeliu",
    language="ca",
    members={
        "pre": Member("Laia Soler", "ca+steph2", 60, 150),
        "sec": Member("Marc Pujol", "ca+iven3", 45, 155),
        "reg": Member("Albert Roca", "ca+robert", 40, 160),
        "ves": Member("Javier Molina", "es+norbert", 50, 150, enrolled=False),
    },
    parts=(
        Line("pre", "Bon dia. Comencem la sessió extraordinària del ple."),
        Line("sec", "Hi són presents tots els regidors del consistori."),
        Line("pre", "Punt únic, la modificació del pressupost per a les festes majors."),
        Line("reg", "Proposem destinar vint mil euros més als concerts de la plaça."),
        Line("ves", "Preferimos que ese dinero vaya a las ayudas para el alquiler.", "es"),
        Line("reg", "Les ajudes al lloguer ja tenen la seva partida aquest any."),
        Line("pre", "Queda aprovada amb set vots a favor i quatre en contra."),
        Line("pre", "S'aixeca la sessió. Bon dia."),
    ),
    music_s=5.0,
    snr_db=26.0,
    seed=39,
    enrolment=ENROL_CA,
)

EVALUATION = (EVAL_ES, EVAL_CA)
CALIBRATION = (CAL_ES, CAL_CA, CAL_ES2, CAL_CA2)


# --- rendering ---------------------------------------------------------------------------


def synthesize(member: Member, text: str) -> np.ndarray:
    """16 kHz float32 speech of ``text`` in ``member``'s voice, trimmed of silence."""
    if member.voice.startswith("festival"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "f.wav"
            subprocess.run(
                ["text2wave", "-eval", "(voice_upc_ca_ona_hts)", "-o", str(out)],
                input=text.encode("latin-1"),
                check=True,
                capture_output=True,
            )
            raw = out.read_bytes()
    else:
        cmd = ["espeak-ng", "-v", member.voice, "-p", str(member.pitch), "-s", str(member.speed)]
        raw = subprocess.run([*cmd, "--stdout", text], capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(raw)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
    if rate != RATE:
        g = math.gcd(RATE, rate)
        x = resample_poly(x, RATE // g, rate // g)
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    x = x[loud[0] : loud[-1] + 1] if len(loud) else x
    return (0.5 * x / max(1e-6, float(np.abs(x).max()))).astype(np.float32)


def music(seconds: float, seed: int) -> np.ndarray:
    """Music-like tones: chords of three partials, changing every 1.5 s, fading in and out."""
    rng = np.random.default_rng(seed)
    n = round(seconds * RATE)
    t = np.arange(n) / RATE
    out = np.zeros(n)
    step = round(1.5 * RATE)
    for a in range(0, n, step):
        root = 196.0 * 2 ** (int(rng.integers(0, 12)) / 12)
        seg = slice(a, min(n, a + step))
        for ratio in (1.0, 1.26, 1.5):
            out[seg] += np.sin(2 * np.pi * root * ratio * t[seg]) / 3
    envelope = np.minimum(1.0, np.minimum(t, seconds - t) / 1.0)
    return (0.25 * out * envelope).astype(np.float32)


def room_noise(n: int, level: float, seed: int) -> np.ndarray:
    """Pinkish noise (white noise through a one-pole low-pass) of RMS ``level``."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    x = np.asarray(lfilter([1.0], [1.0, -0.95], rng.standard_normal(n)), dtype=np.float64)
    return (level * x / max(1e-9, float(np.sqrt(np.mean(x**2))))).astype(np.float32)


def render(pleno: Pleno) -> tuple[np.ndarray, list[dict[str, object]]]:
    """The pleno's audio (16 kHz float32) and its truth: one dict per line with ``start``,
    ``end``, ``text``, ``speaker`` (the member's name), ``voice`` and ``language``."""
    rng = np.random.default_rng(pleno.seed)
    pieces: list[np.ndarray] = [np.zeros(round(0.5 * RATE), np.float32)]
    if pleno.music_s > 0:
        pieces += [music(pleno.music_s, pleno.seed), np.zeros(round(1.5 * RATE), np.float32)]
    at = sum(len(p) for p in pieces) / RATE
    truth: list[dict[str, object]] = []
    speech_power: list[float] = []
    last = ""
    for part in pleno.parts:
        if isinstance(part, Recess):
            pieces.append(np.zeros(round(part.seconds * RATE), np.float32))
            at += part.seconds
            last = ""
            continue
        gap = 0.5 if part.who == last else float(rng.uniform(0.9, 1.6))
        pieces.append(np.zeros(round(gap * RATE), np.float32))
        at += gap
        member = pleno.members[part.who]
        x = synthesize(member, part.text)
        speech_power.append(float(np.mean(x**2)))
        truth.append(
            {
                "start": round(at, 3),
                "end": round(at + len(x) / RATE, 3),
                "text": part.text,
                "speaker": member.name,
                "voice": member.label,
                "language": part.language or pleno.language,
            }
        )
        pieces.append(x)
        at += len(x) / RATE
        last = part.who
    pieces.append(np.zeros(round(1.0 * RATE), np.float32))
    audio = np.concatenate(pieces)
    level = math.sqrt(float(np.mean(speech_power))) * 10 ** (-pleno.snr_db / 20)
    audio = audio + room_noise(len(audio), level, pleno.seed)
    return np.clip(audio, -1, 1).astype(np.float32), truth


def enrolment_audio(pleno: Pleno, key: str) -> np.ndarray:
    """What a member reads to enrol (10-30 s): the pleno's enrolment texts, 0.4 s apart."""
    member = pleno.members[key]
    gap = np.zeros(round(0.4 * RATE), np.float32)
    parts = [p for text in pleno.enrolment for p in (synthesize(member, text), gap)]
    return np.concatenate(parts)


def write_wav(path: Path, audio: np.ndarray) -> Path:
    """``audio`` (16 kHz) as a 16-bit mono WAV."""
    return write_pcm(path, audio, RATE)
