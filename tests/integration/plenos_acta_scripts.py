"""The scripted plenos of the acta benchmark and test (see ``plenos_acta``).

Five Spanish plenos and one Catalan, none the sample's nor ``test_acta_pleno``'s. They vary
the voices (espeak-ng ``es`` and ``es-419`` with their variants, speeds 130-180 words a
minute, pitches 30-75), the pauses, and the wording of what the acta needs: the start
("siendo las ... se abre la sesión", "se inicia", "comienza"), the roll call ("asisten",
"están presentes", "excusa(n) su asistencia", "no asiste"), the items ("punto primero",
"pasamos al punto segundo del orden del día", "tercer punto", "punto número dos"), the
votes ("votos a favor, cuatro; en contra, cinco", "nueve votos a favor, cuatro en contra
y ninguna abstención", "¿Votos a favor? Cinco.", "votan a favor siete", "por
unanimidad", "queda rechazada", a tie settled by the mayor's casting vote) and the end
("se levanta la sesión a las ...", "... siendo las ..."). Items without a vote (reports,
questions) are there to count invented votes.

The numbers are not chosen for the recogniser: they are what such plenos say (a council
of 11, 13, 9 ...). Which ones whisper base mishears from espeak-ng is in bench/README.md.
"""

from __future__ import annotations

from plenos_acta import FESTIVAL, Item, Pleno, Said, VoteTruth

from plenaria.cli.samples import Voice

A, R = "approved", "rejected"


def _council(n: int, president: str, secretary: str, extra: dict[str, str]) -> tuple:
    """A roster of ``n`` council members (the named ones first) and the secretary."""
    fill = [
        "Alba Serrano",
        "Bruno Lago",
        "Clara Nieto",
        "Diego Ortiz",
        "Eva Marín",
        "Félix Prieto",
        "Gloria Sanz",
        "Hugo Vera",
        "Irene Cano",
        "Julio Rubio",
        "Lucía Peña",
        "Mario Gallego",
        "Nuria Soler",
    ]
    named = [(president, "Grupo Socialista", "alcaldesa")]
    named += [(name, group, "concejal") for name, group in extra.items()]
    rest = [f for f in fill if f not in extra][: n - len(named)]
    groups = ("Partido Popular", "Grupo Socialista", "Vox", "Izquierda Unida")
    named += [(f, groups[k % len(groups)], "concejal") for k, f in enumerate(rest)]
    return (*named, (secretary, "", "secretario"))


# 1. An ordinary evening session: a council of 11, two excused, a report without a vote.
_S1 = Voice("Ramón Díaz", "secretario", "es+m1", 150, 40)
_P1 = Voice("Teresa Álvarez", "alcaldesa", "es-419+m5", 165, 65)
_C1 = Voice("Andrés Molina", "concejal", "es-419+m3", 140, 55)
PLENO_1 = Pleno(
    "ordinaria-marzo",
    "es",
    (
        Said(_P1, "Buenas tardes. Siendo las siete de la tarde, se abre la sesión."),
        Said(
            _S1,
            "Están presentes nueve concejales. Excusan su asistencia don Pedro Gil "
            "y doña Rosa Vidal.",
        ),
        Said(_P1, "Punto primero del orden del día. Aprobación del acta de la sesión anterior.", 1),
        Said(_P1, "¿Alguna observación? No habiendo observaciones, se aprueba por unanimidad."),
        Said(_P1, "Pasamos al punto segundo. Dación de cuenta de los decretos de la alcaldía.", 2),
        Said(_S1, "Se han dictado cuarenta decretos desde la última sesión ordinaria."),
        Said(_C1, "Mi grupo pide copia del decreto sobre las fiestas del barrio."),
        Said(_P1, "Punto tercero. Moción sobre la limpieza de los parques.", 3),
        Said(_C1, "Los parques del barrio norte llevan meses sin limpiarse bien."),
        Said(_P1, "El servicio ya tiene un plan nuevo. Pasamos a votación."),
        Said(_S1, "Votos a favor, cuatro. Votos en contra, cinco. Abstenciones, ninguna."),
        Said(_P1, "Queda rechazada la moción."),
        Said(_P1, "Se levanta la sesión a las ocho y cuarto de la tarde."),
    ),
    (
        Item("Aprobación del acta de la sesión anterior", VoteTruth(9, 0, 0, A)),
        Item("Dación de cuenta de los decretos de la alcaldía", None),
        Item("Moción sobre la limpieza de los parques", VoteTruth(4, 5, 0, R)),
    ),
    _council(
        11,
        _P1.name,
        _S1.name,
        {"Andrés Molina": "Partido Popular", "Pedro Gil": "Vox", "Rosa Vidal": "Partido Popular"},
    ),
    "19:00",
    "20:15",
    present=9,
    excused=("Pedro Gil", "Rosa Vidal"),
    pause_s=0.8,
)

# 2. An extraordinary morning session on the budget: everyone present, fast and slow voices.
_S2 = Voice("Carmen Roldán", "secretaria", "es+m7", 135, 55)
_P2 = Voice("Sofía Herrero", "alcaldesa", "es+Mario", 170, 50)
_C2 = Voice("Javier Navas", "concejal", "es-419+klatt", 150, 45)
PLENO_2 = Pleno(
    "extraordinaria-presupuesto",
    "es",
    (
        Said(_P2, "Se abre la sesión extraordinaria siendo las diez horas."),
        Said(_S2, "Asisten los trece miembros de la corporación."),
        Said(
            _P2,
            "Pasamos al punto primero del orden del día. Aprobación inicial del "
            "presupuesto municipal.",
            1,
        ),
        Said(_C2, "El presupuesto sube la inversión en los barrios y baja la deuda."),
        Said(_C2, "Pedimos que se aprueben también las bases de ejecución."),
        Said(_P2, "Se somete a votación."),
        Said(_S2, "Nueve votos a favor, cuatro en contra y ninguna abstención."),
        Said(_P2, "Queda aprobado el presupuesto por mayoría absoluta."),
        Said(_P2, "Punto segundo. Ruegos y preguntas.", 2),
        Said(_C2, "Pregunto cuándo se abrirá la piscina municipal."),
        Said(_P2, "La piscina abrirá el primer fin de semana de junio."),
        Said(_P2, "Se levanta la sesión a las once y media."),
    ),
    (
        Item("Aprobación inicial del presupuesto municipal", VoteTruth(9, 4, 0, A)),
        Item("Ruegos y preguntas", None),
    ),
    _council(13, _P2.name, _S2.name, {"Javier Navas": "Partido Popular"}),
    "10:00",
    "11:30",
    present=13,
    pause_s=1.1,
)

# 3. Latin American Spanish voices; one member "no asiste"; counts asked one by one.
_S3 = Voice("Esteban Mora", "secretario", "es-419+m7", 155, 35)
_P3 = Voice("Lidia Campos", "alcaldesa", "es-419+m3", 145, 70)
_C3 = Voice("Óscar Fuentes", "concejal", "es+m1", 170, 50)
PLENO_3 = Pleno(
    "ordinaria-mediodia",
    "es",
    (
        Said(_P3, "Siendo las doce del mediodía, comienza la sesión ordinaria."),
        Said(_S3, "Asisten siete concejales. No asiste la concejala Marta López."),
        Said(_P3, "Punto número uno. Aprobación de la cuenta general.", 1),
        Said(_C3, "La cuenta general cuadra con los informes de intervención."),
        Said(_P3, "¿Votos a favor? Cinco. ¿En contra? Dos. ¿Abstenciones? Ninguna."),
        Said(_P3, "Queda aprobada la cuenta general."),
        Said(_P3, "Seguimos con el punto número dos. Informes de la alcaldía.", 2),
        Said(_P3, "Informo de que las obras de la plaza terminarán en abril."),
        Said(_P3, "Punto número tres. Moción sobre el transporte escolar.", 3),
        Said(_C3, "Proponemos una nueva ruta para los alumnos de las pedanías."),
        Said(_S3, "Queda aprobada por mayoría, con seis votos a favor y una abstención."),
        Said(_P3, "Se levanta la sesión a la una y cuarto de la tarde."),
    ),
    (
        Item("Aprobación de la cuenta general", VoteTruth(5, 2, 0, A)),
        Item("Informes de la alcaldía", None),
        Item("Moción sobre el transporte escolar", VoteTruth(6, 0, 1, A)),
    ),
    _council(8, _P3.name, _S3.name, {"Óscar Fuentes": "Partido Popular", "Marta López": "Vox"}),
    "12:00",
    "13:15",
    present=7,
    absent=("Marta López",),
    pause_s=0.7,
)

# 4. Morning session with four items, results read by the secretary, a rejected motion.
_S4 = Voice("Tomás Iglesias", "secretario", "es+klatt", 160, 45)
_P4 = Voice("Pilar Domínguez", "alcaldesa", "es+m7", 150, 60)
_C4 = Voice("Raúl Cortés", "concejal", "es+Mario", 175, 40)
PLENO_4 = Pleno(
    "ordinaria-cuatro-puntos",
    "es",
    (
        Said(_P4, "Buenos días. Son las nueve y media y se inicia la sesión ordinaria."),
        Said(_S4, "Asisten once concejales. Excusa su asistencia el concejal don Tomás Rey."),
        Said(_P4, "Primer punto del orden del día. Aprobación del acta anterior.", 1),
        Said(_P4, "Se aprueba por unanimidad de los presentes."),
        Said(_P4, "Segundo punto. Modificación presupuestaria para el alumbrado.", 2),
        Said(_C4, "La modificación pasa fondos del remanente al alumbrado público."),
        Said(
            _S4,
            "El resultado de la votación es el siguiente: ocho votos a favor, "
            "tres votos en contra, ninguna abstención. Queda aprobada.",
        ),
        Said(_P4, "Tercer punto. Moción del grupo popular sobre la seguridad ciudadana.", 3),
        Said(_C4, "Pedimos más patrullas de la policía local por la noche."),
        Said(_S4, "Votos a favor: tres. Votos en contra: ocho. Queda rechazada la moción."),
        Said(_P4, "Cuarto punto. Ruegos y preguntas.", 4),
        Said(_C4, "Ruego que se arregle el camino del cementerio."),
        Said(
            _P4,
            "No habiendo más asuntos que tratar, se levanta la sesión siendo las diez y cuarto.",
        ),
    ),
    (
        Item("Aprobación del acta de la sesión anterior", VoteTruth(11, 0, 0, A)),
        Item("Modificación presupuestaria para el alumbrado", VoteTruth(8, 3, 0, A)),
        Item("Moción del grupo popular sobre la seguridad ciudadana", VoteTruth(3, 8, 0, R)),
        Item("Ruegos y preguntas", None),
    ),
    _council(
        12, _P4.name, _S4.name, {"Raúl Cortés": "Partido Popular", "Tomás Rey": "Grupo Socialista"}
    ),
    "09:30",
    "10:15",
    present=11,
    excused=("Tomás Rey",),
    pause_s=0.9,
)

# 5. Evening session in 24-hour times; "votan a favor", a tie and the casting vote.
_S5 = Voice("Beatriz Luna", "secretaria", "es-419+m5", 150, 70)
_P5 = Voice("Gonzalo Vidal", "alcalde", "es-419+klatt", 140, 30)
_C5 = Voice("Elisa Romero", "concejala", "es-419+m7", 165, 60)
PLENO_5 = Pleno(
    "ordinaria-empate",
    "es",
    (
        Said(_P5, "Siendo las dieciocho horas, se reúne el pleno en sesión ordinaria."),
        Said(
            _S5,
            "Asisten doce de los trece concejales. Excusa su asistencia la concejala "
            "doña Elena Castro.",
        ),
        Said(_P5, "Punto primero. Aprobación de las actas de las sesiones anteriores.", 1),
        Said(_P5, "No habiendo observaciones, quedan aprobadas por unanimidad."),
        Said(_P5, "Punto segundo. Dación de cuenta de las resoluciones de la alcaldía.", 2),
        Said(_P5, "El pleno queda enterado."),
        Said(_P5, "Punto tercero. Aprobación de la ordenanza de terrazas.", 3),
        Said(_C5, "La ordenanza limita el horario de las terrazas en verano."),
        Said(_S5, "Votan a favor siete concejales, en contra cinco. Se aprueba la ordenanza."),
        Said(_P5, "Punto cuarto. Moción sobre la vivienda joven.", 4),
        Said(_C5, "Pedimos ayudas al alquiler para los menores de treinta y cinco años."),
        Said(
            _S5,
            "Votos a favor, seis; en contra, seis. Con el voto de calidad del "
            "alcalde, queda rechazada.",
        ),
        Said(_P5, "Se levanta la sesión a las diecinueve horas y veinte minutos."),
    ),
    (
        Item("Aprobación de las actas de las sesiones anteriores", VoteTruth(12, 0, 0, A)),
        Item("Dación de cuenta de las resoluciones de la alcaldía", None),
        Item("Aprobación de la ordenanza de terrazas", VoteTruth(7, 5, 0, A)),
        Item("Moción sobre la vivienda joven", VoteTruth(6, 6, 0, R)),
    ),
    _council(
        13,
        _P5.name,
        _S5.name,
        {"Elisa Romero": "Grupo Socialista", "Elena Castro": "Partido Popular"},
    ),
    "18:00",
    "19:20",
    present=12,
    excused=("Elena Castro",),
    pause_s=1.0,
)

# 6. Catalan: festival's Ona presides, espeak-ng's Catalan voice is the secretary.
_S6 = Voice("Jordi Vila", "secretari", "ca+m3", 150, 40)
_P6 = Voice("Montserrat Pons", "alcaldessa", FESTIVAL)
PLENO_6 = Pleno(
    "ple-catala",
    "ca",
    (
        Said(_P6, "Bona tarda. Essent les set de la tarda, s'obre la sessió."),
        Said(_S6, "Assisteixen nou regidors. Excusa la seva assistència la regidora Núria Puig."),
        Said(_P6, "Punt primer. Aprovació de l'acta de la sessió anterior.", 1),
        Said(_P6, "No hi ha observacions. Queda aprovada per unanimitat."),
        Said(_P6, "Punt segon. Moció sobre l'enllumenat públic.", 2),
        Said(_S6, "Vots a favor, sis; en contra, tres; abstencions, cap."),
        Said(_P6, "Queda aprovada la moció."),
        Said(_P6, "Punt tercer. Precs i preguntes.", 3),
        Said(_S6, "Es pregunta quan s'obrirà la biblioteca nova."),
        Said(_P6, "S'aixeca la sessió a les vuit i quart del vespre."),
    ),
    (
        Item("Aprovació de l'acta de la sessió anterior", VoteTruth(9, 0, 0, A)),
        Item("Moció sobre l'enllumenat públic", VoteTruth(6, 3, 0, A)),
        Item("Precs i preguntes", None),
    ),
    _council(10, _P6.name, _S6.name, {"Núria Puig": "Esquerra Republicana"}),
    "19:00",
    "20:15",
    present=9,
    excused=("Núria Puig",),
    pause_s=0.9,
    in_target=False,
)

PLENOS = (PLENO_1, PLENO_2, PLENO_3, PLENO_4, PLENO_5, PLENO_6)
