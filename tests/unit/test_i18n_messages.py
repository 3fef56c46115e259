"""A job's error and an upload's refusal, written in Spanish, shown in Catalan on a Catalan page.

The lines are made by the code that writes them (the worker's job errors, the
sniffer's refusals), so a changed Spanish line that the catalogue no longer
knows fails here; the pages' script gives the same Catalan as Python.
"""

from __future__ import annotations

import json
import re
import subprocess
from importlib import resources

import pytest

from needs import tool
from plenaria.api.i18n_messages import catalogue, translate
from plenaria.errors import ConfigError, InputError, MediaError, PlenariaError
from plenaria.media.sniff import refusal
from plenaria.workers.job_errors import QUEUE_FAILED, STEP_LABELS, user_message

# Words only Spanish has (Catalan has others): one of them left means an untranslated part.
SPANISH_ONLY = re.compile(
    r"\b(Falló|grabación|archivo|vacío|lista|documento|imagen|Reintente|Avise|detección|"
    r"extracción|reparto|separación|fragmento|montaje|documentos|subida|Compruebe|Revise|"
    r"no una|no se abre|flujo|paso)\b"
)
STEPS = (*STEP_LABELS, "transcribe:3", "unknown")
ERRORS = (MediaError("x"), ConfigError("x"), InputError("x"), PlenariaError("x"), OSError("x"))
HEADS = (
    b"",
    b"%PDF-1.4\n",
    b"PK\x03\x04" + bytes(30),
    b"\x89PNG\r\n",
    b"#EXTM3U\n#EXTINF:2,\nvictim.mp4\n",
    b"ffconcat version 1.0\nfile victim.mp4\n",
    b"<MPD xmlns='urn:mpeg:dash'>",
    b"Acta del pleno, 3 de marzo.\n",
    b"RIFF\x10\x00\x00\x00AVI LIST",
    bytes([0x47] + [0] * 187) * 3,
    b"FLV\x01\x05",
    bytes(range(256)) * 4,
)


def _lines() -> list[str]:
    lines = [user_message(step, error) for step in STEPS for error in ERRORS]
    lines.append(QUEUE_FAILED)
    for head in HEADS:
        message, hint = refusal("pleno 3.mp4", head)
        lines.append(f"{message} {hint}")
    return lines


@pytest.mark.parametrize("line", _lines())
def test_every_job_error_and_refusal_has_its_catalan(line: str) -> None:
    catalan = translate(line, "ca")
    assert catalan != line, f"the catalogue does not know: {line}"
    assert not SPANISH_ONLY.search(catalan), catalan
    assert translate(line, "es") == line
    if "pleno 3.mp4" in line:
        assert catalan.startswith("pleno 3.mp4 ")  # the file's name kept as written


def test_step_and_chunk_are_translated_inside_the_line() -> None:
    line = user_message("transcribe:3", MediaError("x"))
    assert translate(line, "ca").startswith("Ha fallat la transcripció (fragment 3): ")
    assert translate("Una línea que nadie conoce.", "ca") == "Una línea que nadie conoce."


def test_the_pages_script_gives_the_same_catalan() -> None:
    node = tool("node", "nodejs")
    script = resources.files("plenaria").joinpath("templates/web/static/messages.js")
    lines = _lines()
    program = f"""
const table = {json.dumps(catalogue("ca"))};
global.window = {{}};
global.document = {{ getElementById: () => ({{ textContent: JSON.stringify(table) }}) }};
require({json.dumps(str(script))});
console.log(JSON.stringify({json.dumps(lines)}.map(window.plenariaMessage)));
"""
    done = subprocess.run([node, "-e", program], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [translate(line, "ca") for line in lines]
