"""A content-addressed store of compile results under `.specc/cache/`.

Entries are keyed by a hash of everything that determines them (see
`compiler.build.incremental`), so an entry is never stale: a changed input makes a
new key.  Each entry file is `MAGIC`, the SHA-256 of the payload, a newline,
then the payload, written to a temporary file and renamed into place.  An
entry whose checksum does not match (truncated, corrupted, written by another
format) is deleted and treated as missing, so a damaged cache costs time,
never correctness.

Payloads are pickles, read back with an unpickler that only resolves the IR
classes and a few builtins: a tampered cache cannot run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
from pathlib import Path
from typing import Any

MAGIC = b"specc-cache-1\n"
_HEX = 64

# Modules whose classes may appear in a cached payload.
_ALLOWED_MODULES = frozenset({"compiler.ir", "pathlib"})
_ALLOWED_BUILTINS = frozenset({"tuple", "list", "dict", "frozenset", "set", "str", "int", "bool", "float", "bytes"})


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module in _ALLOWED_MODULES and not name.startswith("_"):
            return super().find_class(module, name)
        if module == "builtins" and name in _ALLOWED_BUILTINS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the specc cache")


def key_of(*parts: str | bytes) -> str:
    """A hex SHA-256 over `parts`, unambiguously separated."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class Store:
    """Get and put picklable values by (kind, key) under `root`."""

    def __init__(self, root: Path, buffered: bool = False) -> None:
        self.root = root
        self.hits = 0
        self.misses = 0
        self.corrupt = 0
        # With `buffered`, puts are kept in memory until `flush`, so a compile
        # that fails writes nothing.
        self.buffered = buffered
        self._pending: dict[tuple[str, str], Any] = {}

    def _path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / key

    def get(self, kind: str, key: str) -> Any | None:
        """The value stored under (kind, key), or None if absent or damaged."""
        if (kind, key) in self._pending:
            self.hits += 1
            return self._pending[(kind, key)]
        path = self._path(kind, key)
        try:
            blob = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        head = len(MAGIC) + _HEX + 1
        payload = blob[head:]
        ok = (
            blob.startswith(MAGIC)
            and len(blob) > head
            and blob[head - 1 : head] == b"\n"
            and hashlib.sha256(payload).hexdigest().encode() == blob[len(MAGIC) : head - 1]
        )
        if ok:
            try:
                value = _SafeUnpickler(io.BytesIO(payload)).load()
            except Exception:  # a payload we cannot read is as good as missing
                ok = False
        if not ok:
            self.corrupt += 1
            self.misses += 1
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        self.hits += 1
        return value

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry exists (without reading it; it may still be damaged)."""
        return (kind, key) in self._pending or self._path(kind, key).is_file()

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store `value`; failures (read-only or full disk) are ignored: it is only a cache."""
        if self.buffered:
            self._pending[(kind, key)] = value
            return
        self._write(kind, key, value)

    def flush(self) -> None:
        """Write the buffered entries."""
        pending, self._pending = self._pending, {}
        for (kind, key), value in pending.items():
            self._write(kind, key, value)

    def _write(self, kind: str, key: str, value: Any) -> None:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        blob = MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
        path = self._path(kind, key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
