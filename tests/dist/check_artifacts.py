"""Checks the release packages make dist-python and make dist-npm write,
without installing them (tests/dist/python.sh and npm.sh install them).

    check_artifacts.py python DIR AUDITWHEEL   wheels and sdist in DIR
    check_artifacts.py npm DIR                 npm tarballs in DIR

For every shipped binary it prints the glibc symbol versions it needs, and
fails when a glibc build needs more than manylinux2014's glibc 2.17, when a
package is 5 MB or more, or when the metadata a registry page shows is
missing. Exits non-zero with every problem listed.
"""

from __future__ import annotations

import email
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

MAX_BYTES = 5 * 1000 * 1000
MAX_GLIBC = (2, 17)
MUSL_LOADER = Path("/lib/ld-musl-x86_64.so.1")
MUSL_LIBDIR = Path("/lib/x86_64-linux-musl")
problems: list[str] = []


def fail(message: str) -> None:
    problems.append(message)


def glibc_versions(binary: Path) -> list[tuple[int, ...]]:
    """The GLIBC_x.y symbol versions the binary's dynamic symbols need."""
    out = subprocess.run(["objdump", "-T", str(binary)], check=True, capture_output=True, text=True).stdout
    found = {tuple(int(n) for n in v.split(".")) for v in re.findall(r"GLIBC_([0-9.]+)", out)}
    return sorted(found)


def check_musl_loads(label: str, binary: Path, host_prefix: str) -> None:
    """musl's own loader (Debian's musl package) resolves every symbol of the
    binary except those its host process provides (CPython's Py*, Node's
    napi_*)."""
    if not MUSL_LOADER.exists():
        fail(f"{label}: {MUSL_LOADER} is missing (apt-get install musl)")
        return
    listed = subprocess.run([str(MUSL_LOADER), "--list", str(binary)], capture_output=True, text=True)
    unresolved = re.findall(r"Error relocating [^:]+: (\S+): symbol not found", listed.stdout + listed.stderr)
    foreign = sorted(name for name in unresolved if not name.lstrip("_").startswith(host_prefix))
    print(f"{label}: musl's loader resolves it ({len(unresolved)} symbols left to the host, all {host_prefix}*)")
    if foreign or "libc.so =>" not in listed.stdout:
        fail(f"{label}: musl's loader cannot resolve {foreign or listed.stdout + listed.stderr}")


def check_binary(label: str, binary: Path, libc: str, host_prefix: str) -> None:
    versions = glibc_versions(binary)
    shown = " ".join(".".join(map(str, v)) for v in versions) or "none"
    print(f"{label}: glibc symbol versions needed: {shown}")
    if libc == "musl":
        if versions:
            fail(f"{label}: a musl build needs glibc symbols")
        check_musl_loads(label, binary, host_prefix)
    elif not versions:
        fail(f"{label}: no glibc symbol versions found (not a glibc build?)")
    elif versions[-1] > MAX_GLIBC:
        fail(f"{label}: needs glibc {'.'.join(map(str, versions[-1]))}, more than manylinux2014's 2.17")


def check_size(path: Path) -> None:
    size = path.stat().st_size
    print(f"{path.name}: {size / 1e6:.2f} MB")
    if size >= MAX_BYTES:
        fail(f"{path.name}: {size} bytes, not under 5 MB")


def check_python_metadata(name: str, metadata: str) -> None:
    msg = email.message_from_string(metadata)
    expected = {
        "Name": "outbox-engine",
        "License-Expression": "Apache-2.0",
        "Description-Content-Type": "text/markdown; charset=UTF-8; variant=GFM",
    }
    for field, value in expected.items():
        if msg.get(field) != value:
            fail(f"{name}: metadata {field} is {msg.get(field)!r}, expected {value!r}")
    for field in ("Requires-Python", "Project-URL", "Classifier", "License-File"):
        if not msg.get_all(field):
            fail(f"{name}: metadata has no {field}")
    if "pip install outbox-engine" not in msg.get_payload():
        fail(f"{name}: the long description is not the package README")


def check_auditwheel(wheel: Path, auditwheel: str) -> None:
    """auditwheel show confirms the wheel's platform tag. A zig-linked musl
    extension names musl's libc `libc.so` (Alpine's toolchain says
    `libc.musl-x86_64.so.1`), which auditwheel does not know; musl's loader
    maps both to itself, so that one library is accepted, and
    check_musl_loads proves it resolves."""
    tag = wheel.stem.split("-")[-1]
    musl = "musllinux" in tag
    command = [auditwheel, "show", "--json", str(wheel)]
    if musl:
        command[2:2] = ["--ldpaths", str(MUSL_LIBDIR)]
    shown = subprocess.run(command, capture_output=True, text=True)
    if shown.returncode != 0:
        fail(f"{wheel.name}: auditwheel show failed: {shown.stderr}")
        return
    report = json.loads(shown.stdout)
    overall, symbols, external = report["overall_tag"], report["sym_tag"], set(report["external_libs"])
    libraries = sorted(external) or "none"
    print(f"{wheel.name}: auditwheel show: {overall} (symbols: {symbols}; external libraries: {libraries})")
    tags = tag.split(".")
    if overall in tags:
        return
    if musl and symbols in tags and external == {"libc.so"}:
        print(f"{wheel.name}: auditwheel's only objection is libc.so, musl's libc under zig's name")
        return
    fail(f"{wheel.name}: auditwheel does not confirm the tag {tag}")


def check_wheel(wheel: Path, auditwheel: str) -> None:
    check_size(wheel)
    tag = wheel.stem.split("-")[-1]
    check_auditwheel(wheel, auditwheel)
    with zipfile.ZipFile(wheel) as zf, tempfile.TemporaryDirectory() as tmp:
        names = zf.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        if f"{dist_info}/licenses/LICENSE" not in names:
            fail(f"{wheel.name}: no LICENSE in {dist_info}/licenses")
        check_python_metadata(wheel.name, zf.read(f"{dist_info}/METADATA").decode())
        zf.extract("outbox/_outbox.abi3.so", tmp)
        check_binary(wheel.name, Path(tmp, "outbox/_outbox.abi3.so"), "musl" if "musllinux" in tag else "glibc", "Py")


def check_sdist(sdist: Path) -> None:
    check_size(sdist)
    with tarfile.open(sdist) as tf:
        root = sdist.name.removesuffix(".tar.gz")
        names = tf.getnames()
        for required in ("pyproject.toml", "Cargo.toml", "Cargo.lock", "LICENSE", "README.md", "PKG-INFO"):
            if f"{root}/{required}" not in names:
                fail(f"{sdist.name}: no {required} at its root")
        check_python_metadata(sdist.name, tf.extractfile(f"{root}/PKG-INFO").read().decode())


def check_python(directory: Path, auditwheel: str) -> None:
    wheels = sorted(directory.glob("*.whl"))
    kinds = ["manylinux_2_17_x86_64", "manylinux_2_17_aarch64", "musllinux_1_2_x86_64"]
    for kind in kinds:
        if not any(kind in w.name for w in wheels):
            fail(f"{directory}: no {kind} wheel")
    for wheel in wheels:
        check_wheel(wheel, auditwheel)
    sdists = sorted(directory.glob("*.tar.gz"))
    if len(sdists) != 1:
        fail(f"{directory}: expected one sdist, found {[s.name for s in sdists]}")
    for sdist in sdists:
        check_sdist(sdist)


def read_package(tgz: Path) -> tuple[dict, list[str], tarfile.TarFile]:
    tf = tarfile.open(tgz)
    return json.load(tf.extractfile("package/package.json")), tf.getnames(), tf


def check_npm(directory: Path) -> None:
    tarballs = sorted(directory.glob("*.tgz"))
    main = [t for t in tarballs if re.fullmatch(r"outbox-\d[^-]*(-.+)?\.tgz", t.name) and "linux" not in t.name]
    if len(main) != 1:
        fail(f"{directory}: expected one outbox-<version>.tgz, found {[t.name for t in main]}")
        return
    pkg, names, _ = read_package(main[0])
    check_size(main[0])
    if "scripts" in pkg:
        fail(f"{main[0].name}: has scripts {sorted(pkg['scripts'])}; the published package must run nothing at install")
    for name in names:
        if name.endswith(".node") or name.endswith(".rs") or name.endswith("Cargo.toml"):
            fail(f"{main[0].name}: ships {name}")
    for required in ("package/LICENSE", "package/README.md", "package/index.js", "package/index.d.ts"):
        if required not in names:
            fail(f"{main[0].name}: no {required}")
    for field in ("repository", "homepage", "bugs", "engines", "license"):
        if field not in pkg:
            fail(f"{main[0].name}: package.json has no {field}")

    optional = pkg.get("optionalDependencies", {})
    if not optional:
        fail(f"{main[0].name}: no optionalDependencies")
    for name, version in optional.items():
        if version != pkg["version"]:
            fail(f"{main[0].name}: {name} is at {version}, not {pkg['version']}")
        tgz = directory / f"{name}-{pkg['version']}.tgz"
        if not tgz.exists():
            fail(f"{directory}: no {tgz.name} for the optional dependency {name}")
            continue
        check_platform_package(tgz, name, pkg)


def check_platform_package(tgz: Path, name: str, main: dict) -> None:
    check_size(tgz)
    pkg, names, tf = read_package(tgz)
    platform = name.removeprefix(f"{main['name']}-")
    os_name, cpu, abi = platform.split("-")
    expected = {"name": name, "version": main["version"], "os": [os_name], "cpu": [cpu]}
    expected["libc"] = ["glibc" if abi == "gnu" else "musl"]
    for field, value in expected.items():
        if pkg.get(field) != value:
            fail(f"{tgz.name}: {field} is {pkg.get(field)!r}, expected {value!r}")
    binary = f"package/{pkg.get('main')}"
    if binary not in names or not binary.endswith(".node"):
        fail(f"{tgz.name}: main {pkg.get('main')!r} is not a .node file in the package")
        return
    for required in ("package/LICENSE", "package/README.md"):
        if required not in names:
            fail(f"{tgz.name}: no {required}")
    with tempfile.TemporaryDirectory() as tmp:
        tf.extract(binary, tmp)
        check_binary(tgz.name, Path(tmp, binary), expected["libc"][0], "napi_")


def main() -> int:
    kind, directory = sys.argv[1], Path(sys.argv[2])
    if kind == "python":
        check_python(directory, sys.argv[3])
    elif kind == "npm":
        check_npm(directory)
    else:
        raise SystemExit(__doc__)
    for problem in problems:
        print(f"check_artifacts.py: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
