#!/usr/bin/env python3
"""Checks that every declaration in include/outbox.h is documented.

usage: check_header_docs.py HEADER

Every function, type, constant, enum value and struct field must be
preceded by a `//` comment (cbindgen writes the Rust doc comments there).
"""

import re
import sys

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
start = next(i for i, line in enumerate(lines) if line.startswith("#include <stdint.h>"))
missing = []
in_macro_block = False
count = 0
for i in range(start + 1, len(lines)):
    line = lines[i].strip()
    if line.startswith("#ifndef OUTBOX_MUST_USE"):
        in_macro_block = True
    if in_macro_block:
        if line == "#endif":
            in_macro_block = False
        continue
    decl = None
    if re.match(r"#define OUTBOX_\w+ ", line):
        decl = line.split()[1]
    elif re.match(r"typedef ", line):
        decl = line
    elif re.match(r"(OUTBOX_MUST_USE\s*)?[\w ]+[\s*]+outbox_\w+\(", line) or line == "OUTBOX_MUST_USE":
        decl = line
    elif re.match(r"OUTBOX_\w+ = \d+,", line):
        decl = line
    elif re.match(r"(const |struct )?[\w]+( const)?[\s*]+\w+;$", line) and lines[i - 1].strip() != "":
        decl = line
    if decl is None:
        continue
    if i > 0 and lines[i - 1].strip() == "OUTBOX_MUST_USE":
        continue  # documented above the attribute line
    count += 1
    prev = lines[i - 1].strip()
    if not prev.startswith("//"):
        missing.append(f"{sys.argv[1]}:{i + 1}: {decl}")

if missing:
    print("undocumented declarations in the header (add a Rust doc comment):")
    print("\n".join(missing))
    sys.exit(1)
print(f"{sys.argv[1]}: all {count} declarations documented")
