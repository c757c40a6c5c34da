"""How much generated Python repeats another generated file (issue 13).

    python benchmarks/duplication.py [SNAPSHOTS] [--min-lines 6]

Counts, over every `.py` file under SNAPSHOTS (default `snapshots/`), the
significant lines that stand in a run of at least `--min-lines` consecutive
significant lines found, in the same order, in another of those files.
Significant, as the `duplicates` tool counts: not blank, not a comment, not
a line of an import statement, not lone punctuation; white space folded.
Runs are found with difflib's matching blocks between each pair of files.
To compare with an earlier state: `git archive REV snapshots | tar -x -C
DIR` and run it on DIR/snapshots.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import re
from pathlib import Path

_PUNCTUATION = re.compile(r"^[\s()\[\]{},:;]*$")


def significant(text: str) -> list[str]:
    out: list[str] = []
    in_import = False
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if in_import:
            in_import = not line.endswith(")")
            continue
        if not line or line.startswith("#") or _PUNCTUATION.match(line):
            continue
        if line.startswith("import ") or (line.startswith("from ") and " import " in line):
            in_import = line.endswith("(")
            continue
        out.append(line)
    return out


def repeated(root: Path, min_lines: int) -> tuple[int, int, dict[Path, int]]:
    """(significant lines, lines in shared runs, per file)."""
    files = sorted(root.rglob("*.py"))
    text = {p: significant(p.read_text(encoding="utf-8")) for p in files}
    covered: dict[Path, set[int]] = {p: set() for p in files}
    for a, b in itertools.combinations(files, 2):
        matcher = difflib.SequenceMatcher(None, text[a], text[b], autojunk=False)
        for block in matcher.get_matching_blocks():
            if block.size >= min_lines:
                covered[a].update(range(block.a, block.a + block.size))
                covered[b].update(range(block.b, block.b + block.size))
    return sum(map(len, text.values())), sum(map(len, covered.values())), {p: len(c) for p, c in covered.items() if c}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshots", nargs="?", type=Path, default=Path("snapshots"))
    parser.add_argument("--min-lines", type=int, default=6)
    args = parser.parse_args()
    total, shared, per_file = repeated(args.snapshots, args.min_lines)
    print(f"{total} significant lines of generated Python; {shared} in runs of >= {args.min_lines} shared with another file")
    for path, n in sorted(per_file.items()):
        print(f"  {n:5d}  {path.relative_to(args.snapshots)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
