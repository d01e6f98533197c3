#!/usr/bin/env python3
"""Every line of the in-OS tests' expected files has as many '[' as ']'.

test/os/CMakeLists.txt reads these files with CMake's file(STRINGS) to make one ctest per
program (os/<program>, drv/<program>). CMake's list splitting does not split inside square
brackets, so one line with an unbalanced bracket (a regex class such as [^]]) joins every later
line into one list item, and every program named after it silently loses its ctest. The
brackets a pattern needs can always be balanced (name the task: \\[DrvEdu\\]).

Usage: expected_brackets.py ROOT
"""
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
bad = 0
files = sorted(root.glob('test/os/*expected*.txt'))
for f in files:
    for n, line in enumerate(f.read_text().splitlines(), 1):
        if line.count('[') != line.count(']'):
            print(f"FAIL expected-brackets: {f.relative_to(root)}:{n}: {line.count('[')} '[' "
                  f"but {line.count(']')} ']' (CMake would join the lines after it): {line}")
            bad += 1
if not files:
    print("FAIL expected-brackets: no test/os/*expected*.txt found")
    sys.exit(1)
print(f"expected-brackets: {len(files)} files, {'%d unbalanced lines' % bad if bad else 'every line balanced'}")
sys.exit(1 if bad else 0)
