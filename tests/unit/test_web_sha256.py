"""The upload page's SHA-256 (a Web Worker script) equals hashlib's, fed in uneven pieces."""

from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import resources

from needs import tool

SIZES = (0, 1, 55, 56, 63, 64, 65, 1000, 4096 + 7, 300_000)


def test_the_browser_sha256_matches_hashlib() -> None:
    node = tool("node", "nodejs")
    script = resources.files("plenaria").joinpath("templates/web/static/sha256-worker.js")
    program = f"""
global.self = {{}};
const {{ Sha256 }} = require({json.dumps(str(script))});
const out = [];
for (const n of {json.dumps(list(SIZES))}) {{
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = (i * 31 + 7) % 251;
  const h = new Sha256();
  for (let at = 0, step = 1; at < n; at += step, step = (step * 3) % 97 + 1) {{
    h.update(data.subarray(at, Math.min(n, at + step)));
  }}
  out.push(h.hex());
}}
console.log(JSON.stringify(out));
"""
    got = json.loads(
        subprocess.run([node, "-e", program], capture_output=True, text=True, check=True).stdout
    )
    want = [hashlib.sha256(bytes((i * 31 + 7) % 251 for i in range(n))).hexdigest() for n in SIZES]
    assert got == want
