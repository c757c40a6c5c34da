"""What a repository checkout already answers, for the preview's questions.

The brief's defaults (link types website/imdb/showreel/other, a cap of 10,
`User.title`) are guesses for a repository specc has not read.  When the
agent is given a checkout (`context.repository`), these small readers look
for the same decisions in it:

- a links cap: `const MAX_PROFILE_LINKS = 20` in the handlers' source;
- allowed link types: `const VALID_LINK_TYPES = ['website', ...]`;
- a column the spec adds to one table that a Prisma model of another table
  already has (`title String?` in `model Profile`).

Each finding names the file and line and quotes that line.  The readers
only match text line by line (no JavaScript or Prisma is run or imported),
read at most `MAX_FILES` files of at most `MAX_BYTES` each, never follow a
symlink or leave the checkout, and walk files in sorted order, so the same
checkout always gives the same findings; the first match in that order wins.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_BYTES = 1024 * 1024
MAX_FILES = 2000
MAX_EXCERPT = 160
# Where handler code lives in the repositories specc targets (Valine: serverless/src).
SOURCE_DIRS = ("src", "serverless/src", "api/src", "server/src", "backend/src")
SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts")
PRISMA_SCHEMAS = ("prisma/schema.prisma", "serverless/prisma/schema.prisma", "api/prisma/schema.prisma")
SKIP_DIRS = {"node_modules", ".git", "dist", "build", ".esbuild", ".serverless", "coverage"}

_CONST = re.compile(r"^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*[\w\[\]<> ]+)?=\s*(.*)$")
_INT = re.compile(r"^(\d{1,6})\s*[;,]?\s*(?://.*)?$")
_LIST = re.compile(r"^\[(.*)\]\s*(?:as\s+const\s*)?[;,]?\s*(?://.*)?$")
_STRING_ITEM = re.compile(r"""^\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*$""")
_MODEL = re.compile(r"^\s*model\s+(\w+)\s*\{")
_MAP = re.compile(r'^\s*@@map\(\s*(?:name:\s*)?"([^"]+)"')
_COLUMN_MAP = re.compile(r'@map\(\s*(?:name:\s*)?"([^"]+)"')


@dataclass(frozen=True)
class Finding:
    """One answer found in the checkout: the value, where, and the line quoted."""

    value: str | int | tuple[str, ...]
    file: str  # repository-relative, with forward slashes
    line: int
    excerpt: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def as_dict(self) -> dict[str, object]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"excerpt": self.excerpt, "file": self.file, "line": self.line, "value": value}


@dataclass(frozen=True)
class ColumnFinding(Finding):
    """A column the repository keeps on `table` (the model's mapped table)."""

    table: str = ""
    column: str = ""


def excerpt(line: str) -> str:
    """The quoted line: trimmed, control characters dropped, at most MAX_EXCERPT characters."""
    text = "".join(ch for ch in line.strip() if ch == "\t" or ord(ch) >= 32 and ord(ch) != 127)
    return text if len(text) <= MAX_EXCERPT else text[: MAX_EXCERPT - 1] + "…"


def _read(root: Path, rel: PurePosixPath) -> list[str] | None:
    """The lines of `rel` if it is a regular file inside `root` (no symlink
    anywhere on the way), small enough and text; otherwise None."""
    path = root
    for part in rel.parts:
        path = path / part
        if path.is_symlink():
            return None
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_BYTES or b"\0" in raw:
        return None
    return raw.decode("utf-8", "replace").splitlines()


def _source_files(root: Path) -> list[PurePosixPath]:
    found: list[PurePosixPath] = []
    for top in SOURCE_DIRS:
        start = root / top
        if start.is_symlink() or not start.is_dir():
            continue
        for folder, dirs, files in os.walk(start, followlinks=False):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    found.append(PurePosixPath(Path(folder, name).relative_to(root).as_posix()))
    return sorted(set(found))[:MAX_FILES]


def _constants(root: Path) -> list[tuple[str, str, PurePosixPath, int, str]]:
    """Every top-level-looking `const NAME = value` line: (NAME, value, file, line, text)."""
    out = []
    for rel in _source_files(root):
        for number, line in enumerate(_read(root, rel) or (), 1):
            m = _CONST.match(line)
            if m:
                out.append((m.group(1), m.group(2).strip(), rel, number, line))
    return out


def _words(name: str) -> set[str]:
    """The upper-case words of a constant or table name (`MAX_PROFILE_LINKS` -> {MAX, PROFILE, LINKS})."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return {w.upper() for w in re.split(r"[_\W]+", spaced) if w}


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("S") else word


class RepositoryFacts:
    """The answers found in one checkout, read once."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._consts = _constants(self.root)
        self._schemas = [(PurePosixPath(p), lines) for p in PRISMA_SCHEMAS if (lines := _read(self.root, PurePosixPath(p))) is not None]

    def cap(self, table: str) -> Finding | None:
        """A `MAX_<TABLE>` / `<TABLE>_LIMIT` style integer constant for `table`'s cap.
        A links table also matches any `MAX_..._LINKS` constant."""
        want = {_stem(w) for w in _words(table)}
        for name, value, rel, number, line in self._consts:
            words = _words(name)
            if not words & {"MAX", "LIMIT", "CAP"}:
                continue
            stems = {_stem(w) for w in words}
            if not (want <= stems or ("LINK" in want and "LINK" in stems)):
                continue
            m = _INT.match(value)
            if m:
                return Finding(int(m.group(1)), rel.as_posix(), number, excerpt(line))
        return None

    def enum_values(self, enum: str) -> Finding | None:
        """A list of string literals in a constant named after `enum`
        (`link_type` -> `VALID_LINK_TYPES`, `LINK_TYPES`, `ALLOWED_LINK_TYPES`)."""
        want = {_stem(w) for w in _words(enum)}
        for name, value, rel, number, line in self._consts:
            stems = {_stem(w) for w in _words(name)} - {"VALID", "ALLOWED", "SUPPORTED"}
            if stems != want:
                continue
            m = _LIST.match(value)
            if not m:
                continue
            items = [i for i in m.group(1).split(",")]
            if items and not items[-1].strip():
                items.pop()  # a trailing comma
            values: list[str] = []
            for item in items:
                s = _STRING_ITEM.match(item)
                if s is None:
                    values = []
                    break
                values.append(s.group(1) if s.group(1) is not None else s.group(2))
            if values and all(values):
                return Finding(tuple(dict.fromkeys(values)), rel.as_posix(), number, excerpt(line))
        return None

    def column_elsewhere(self, table: str, column: str) -> ColumnFinding | None:
        """A Prisma field for `column` (its camelCase or snake_case spelling)
        on a model that belongs one-to-one to `table`'s model (a relation to
        it through a `@unique` field, like `Profile.userId`), when `table`'s
        own model has no such field."""
        spellings = {column, re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), column)}
        for rel, lines in self._schemas:
            models = _models(lines)
            target = next((m for m in models if m.table == table), None)
            if target is None or any(f.column in spellings for f in target.fields):
                continue
            for model in sorted(models, key=lambda m: m.table):
                if model is target or not model.belongs_to(target.name):
                    continue
                for f in model.fields:
                    if f.column in spellings:
                        return ColumnFinding(f"{model.table}.{f.column}", rel.as_posix(), f.line, excerpt(f.text), table=model.table, column=f.column)
        return None


@dataclass
class _Field:
    name: str
    column: str
    type: str
    line: int
    text: str


@dataclass
class _Model:
    name: str
    table: str
    fields: list[_Field]

    def belongs_to(self, other: str) -> bool:
        """Whether a relation field points at model `other` through `@unique` fields."""
        unique = {f.name for f in self.fields if re.search(r"@unique\b", f.text)}
        for f in self.fields:
            if f.type.rstrip("?") != other:
                continue
            m = _RELATION_FIELDS.search(f.text)
            if m and {x.strip() for x in m.group(1).split(",")} <= unique:
                return True
        return False


_RELATION_FIELDS = re.compile(r"@relation\([^)]*fields:\s*\[([^\]]*)\]")


def _models(lines: list[str]) -> list[_Model]:
    """The models of a schema.prisma, each with its table and fields (line numbers kept)."""
    out: list[_Model] = []
    current: _Model | None = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if current is None:
            m = _MODEL.match(line)
            if m:
                current = _Model(m.group(1), m.group(1), [])
            continue
        if stripped.startswith("}"):
            out.append(current)
            current = None
        elif (mm := _MAP.match(line)) is not None:
            current.table = mm.group(1)
        elif not stripped.startswith(("//", "@@")) and (f := _FIELD_TYPE.match(line)) is not None:
            cm = _COLUMN_MAP.search(line)
            current.fields.append(_Field(f.group(1), cm.group(1) if cm else f.group(1), f.group(2), number, line))
    return out


_FIELD_TYPE = re.compile(r"^\s*(\w+)\s+(\w+(?:\[\])?\??)")
