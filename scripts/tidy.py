#!/usr/bin/env python3
"""clang-tidy over every translation unit of a configured build.

usage: tidy.py BUILD_DIR [CLANG-TIDY-ARG ...]

BUILD_DIR is a build configured with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON (it
need not be built). Every project source in its compile_commands.json is
checked with the project's .clang-tidy (tests/.clang-tidy for the tests);
the mingw dependencies built under the build root are left out. Extra
arguments go to clang-tidy, e.g. for the Windows build (its _WIN32 code):

    scripts/tidy.py build-ci/lint-mingw --extra-arg=--target=x86_64-w64-mingw32

Prints the output of every file that gets a warning or an error, then one
summary line. Exits 1 when any file did, 0 when all are quiet.

Environment: ETWCAP_JOBS (files checked at once, default: the CPU count),
CLANG_TIDY (default: clang-tidy-14 when present, else clang-tidy).
"""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = os.path.realpath(sys.argv[1])
    extra = sys.argv[2:]
    db = os.path.join(build, "compile_commands.json")
    if not os.path.isfile(db):
        sys.exit(f"tidy.py: {db} not found (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)")
    root = os.path.realpath(os.path.join(os.path.dirname(__file__), "..")) + os.sep
    tidy = os.environ.get("CLANG_TIDY") or shutil.which("clang-tidy-14") or "clang-tidy"
    jobs = int(os.environ.get("ETWCAP_JOBS") or os.cpu_count() or 2)

    with open(db, encoding="utf-8") as f:
        entries = json.load(f)
    files, seen = [], set()
    for e in entries:
        path = os.path.realpath(os.path.join(e["directory"], e["file"]))
        # The project's files only: not what a build folder (build*/) holds.
        rel = path[len(root):] if path.startswith(root) else None
        if rel and not rel.startswith("build") and path not in seen:
            seen.add(path)
            files.append(path)

    def check(path):
        p = subprocess.run([tidy, "-p", build, "--quiet", *extra, path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        text = p.stdout
        bad = p.returncode != 0 or re.search(r"(warning|error):", text) is not None
        return path, bad, text

    nbad = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for path, bad, text in pool.map(check, sorted(files)):
            if bad:
                nbad += 1
                print(text, end="" if text.endswith("\n") else "\n")
    print(f"clang-tidy ({tidy}, {build}): {len(files)} files, {nbad} with warnings or errors")
    return 1 if nbad else 0


if __name__ == "__main__":
    sys.exit(main())
