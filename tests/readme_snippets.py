#!/usr/bin/env python3
"""Keeps README.md's snippets honest.

readme_snippets.py LANG FILE
    The README must have a ```LANG block equal to FILE (ignoring trailing
    whitespace); FILE is what the test suite runs, so the snippet runs as
    written.
readme_snippets.py run MARKER
    Runs the README's ```sh block that contains MARKER with bash (-e,
    in a temporary directory) and fails when it fails.
"""

import pathlib
import re
import subprocess
import sys
import tempfile

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def blocks(lang):
    return re.findall(r"```" + re.escape(lang) + r"\n(.*?)```", README.read_text(), re.S)


def main(argv):
    if argv[0] == "run":
        marker = argv[1]
        found = [b for b in blocks("sh") if marker in b]
        if not found:
            sys.exit(f"README.md has no ```sh block containing {marker!r}")
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run(["bash", "-euo", "pipefail", "-c", found[0]], cwd=tmp, timeout=120)
        if proc.returncode != 0:
            sys.exit(f"README's sh block with {marker!r} failed (exit {proc.returncode})")
        print(f"README sh block with {marker!r} ran fine")
        return
    lang, path = argv
    want = pathlib.Path(path).read_text().rstrip()
    if not any(b.rstrip() == want for b in blocks(lang)):
        sys.exit(f"README.md has no ```{lang} block equal to {path}; update one from the other")
    print(f"README {lang} snippet matches {path}")


main(sys.argv[1:])
