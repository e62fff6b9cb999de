#!/usr/bin/env python3
"""Checks that a README snippet is exactly a file that the test suite runs.

usage: readme_snippets.py LANG FILE
The README's first ```LANG block under the quickstart for that language must
equal FILE (ignoring trailing whitespace), so the snippet runs as written.
"""
import pathlib
import re
import sys

lang, path = sys.argv[1], sys.argv[2]
readme = pathlib.Path(__file__).resolve().parent.parent / "README.md"
blocks = re.findall(r"```" + re.escape(lang) + r"\n(.*?)```", readme.read_text(), re.S)
want = pathlib.Path(path).read_text().rstrip()
if not any(b.rstrip() == want for b in blocks):
    sys.exit(f"README.md has no ```{lang} block equal to {path}; update one from the other")
print(f"README {lang} snippet matches {path}")
