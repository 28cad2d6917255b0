"""Prints clang-style diagnostics sorted by place, each with its notes.

usage: sort-diagnostics.py < output

Reads the output of clang-tidy, the plugin or vram-check, keeps the lines
"file:line:col: warning|error: ..." and the "file:line:col: note: ..." lines
that follow one (snippets, summaries and other lines are dropped), and
prints each diagnostic followed by its notes, sorted by file, line and
column of the diagnostic. The plugin reports in the order it matches, the
others in source order: sorted, the three can be compared line by line.
"""
import re
import sys

DIAGNOSTIC = re.compile(r"^(.*?):(\d+):(\d+): (warning|error|note): ")


def main():
    groups = []
    for line in sys.stdin:
        line = line.rstrip("\n")
        match = DIAGNOSTIC.match(line)
        if not match:
            continue
        if match.group(4) == "note":
            if groups:
                groups[-1][1].append(line)
            continue
        key = (match.group(1), int(match.group(2)), int(match.group(3)), line)
        groups.append((key, []))
    for _, (key, notes) in sorted(enumerate(groups), key=lambda g: (g[1][0], g[0])):
        print(key[3])
        for note in notes:
            print(note)


if __name__ == "__main__":
    main()
