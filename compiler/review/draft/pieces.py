"""What PR bodies take from each spec's files and IR, computed once per spec.

A PR body is mostly made of per-spec pieces: the content hashes of the
spec's artifacts, the test names in its contract tests (an `ast` parse),
its migration section, most sections of its own PR.  `Pieces` computes each
on first use and files it under the spec that owns it, so the `pr` target
can cache a spec's pieces under that spec's render key and, after one spec
changed, recompute only that spec's pieces (`targets/pr.py`).

A piece's label must name everything it depends on besides the spec's IR,
its rendered files and the split of the specs it depends on (the cache key
covers those); values are tuples and strings, so they pickle into the cache.
"""

from __future__ import annotations

from compiler.pypackage import owner_of
import hashlib
import re
from pathlib import PurePosixPath
from typing import Any
from collections.abc import Callable, Mapping


def sha256(text: str) -> str:
    """Content hash of an artifact as written to disk."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_TEST_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(test_\w+)[ \t]*\(", re.M)


def names_of_tests(text: str) -> list[str]:
    """The names of the test functions of a generated Python module, sorted.

    A line scan, not `ast` (parsing every contract test module again was most
    of the PR target's time): in specc's generated modules, spec text reaches
    strings only through `repr()`, so no line inside a string can start with
    `def test_`.  A test compares it with an `ast` walk on generated modules."""
    return sorted(_TEST_DEF.findall(text))


class Pieces:
    """Per-spec pieces of PR bodies over one rendered tree.

    `seeded` maps a spec id to the pieces an earlier compile computed for the
    same inputs; `dirty` names the specs that gained pieces here.
    """

    def __init__(self, tree: Mapping[PurePosixPath, str], seeded: dict[str, dict[str, Any]] | None = None) -> None:
        self.tree = tree
        self.by_owner: dict[str, dict[str, Any]] = dict(seeded or {})
        self.dirty: set[str] = set()

    def get(self, owner: str, label: str, compute: Callable[[], Any]) -> Any:
        """The piece `label` of `owner` (a spec id, or `_project`)."""
        slot = self.by_owner.setdefault(owner, {})
        if label in slot:
            return slot[label]
        value = compute()
        slot[label] = value
        self.dirty.add(owner)
        return value

    def lines(self, owner: str, label: str, compute: Callable[[], list[str]]) -> list[str]:
        """A list of Markdown lines (a fresh list: callers may extend it)."""
        return list(self.get(owner, label, lambda: tuple(compute())))

    def digest(self, path: PurePosixPath) -> str:
        """sha256 of the artifact at `path`."""
        return str(self.get(owner_of(path), "sha256:" + path.as_posix(), lambda: sha256(self.tree[path])))

    def test_names(self, path: PurePosixPath) -> list[str]:
        """The test functions of the Python test module at `path`."""
        return list(self.get(owner_of(path), "tests:" + path.as_posix(), lambda: tuple(names_of_tests(self.tree[path]))))
