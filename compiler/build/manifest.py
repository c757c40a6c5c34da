"""The no-op fast path: know that nothing changed without compiling.

After a compile (or a clean `--check`) the manifest records the compiler
fingerprint, the SHA-256 of every file under the specs folder, and for every
file of the output tree its size, mtime, inode and SHA-256.  The next compile
recomputes the input hashes (cheap: specs are small) and stats the output
tree; if everything matches, the output is exactly what compiling would
write, and the compile stops there.  This module imports nothing heavy:
no YAML, no jsonschema, no targets.

Output files are trusted by their stat only when they are older than the
manifest by a safety margin; a file modified within the timestamp
granularity of its recording ("racily clean", as git calls it) is compared
by content instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import time
from pathlib import Path
from collections.abc import Mapping
from typing import Any

from compiler.build.fingerprint import fingerprint

# marshal, not json: it is built in, so reading the manifest imports nothing.
VERSION = 2
# Files whose mtime is this close to the recording time are verified by hash:
# a write within one timestamp tick of the recording may not change the mtime.
# File systems with sub-second timestamps tick every few milliseconds; others
# (FAT, ext3) every one or two seconds.
RACY_NS_FINE = 100_000_000
RACY_NS_COARSE = 2_000_000_000


def _manifest_path(cache_root: Path, specs: Path, out: Path) -> Path:
    where = "\0".join((str(Path.cwd().resolve()), str(specs.resolve()), str(out.resolve())))
    return cache_root / "manifests" / hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:40]


# Files next to the output folder that a compile reads (the released
# migrations' sums, checked by `compiler.safety.guards`).
SIBLING_INPUTS = ("released.sum",)


def _inputs(specs: Path, out_dir: Path | None = None) -> dict[str, str] | None:
    """relative path -> SHA-256 of every file under `specs` and of the
    compile's inputs next to `out_dir` (None if unreadable)."""
    out: dict[str, str] = {}
    if out_dir is not None:
        for name in SIBLING_INPUTS:
            try:
                out[f"<out>/../{name}"] = hashlib.sha256((out_dir.parent / name).read_bytes()).hexdigest()
            except FileNotFoundError:
                out[f"<out>/../{name}"] = "absent"
            except OSError:
                return None
    try:
        # The project configuration (compiler.config) changes what the same specs compile to.
        out["<specs>/../specc.yaml"] = hashlib.sha256((specs.parent / "specc.yaml").read_bytes()).hexdigest()
    except FileNotFoundError:
        out["<specs>/../specc.yaml"] = "absent"
    except OSError:
        return None
    try:
        for dirpath, dirnames, filenames in os.walk(specs):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as fh:
                    out[os.path.relpath(path, specs)] = hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None
    return out


def _outputs(out: Path) -> dict[str, list[int]] | None:
    """relative path -> [size, mtime_ns, inode] of every file under `out`."""
    found: dict[str, list[int]] = {}
    if not out.is_dir():
        return None
    try:
        _scan(str(out), "", found)
    except OSError:
        return None
    return found


def _scan(folder: str, prefix: str, found: dict[str, list[int]]) -> None:
    """Add the stat of every file under `folder` to `found`, keyed by
    `prefix` + its path below `folder`.  os.scandir, not os.walk: a no-op
    compile at 1,000 specs stats 20,000 files in 8,000 folders, and os.walk's
    joins and extra lstat per folder were half of its time."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _scan(entry.path, prefix + entry.name + "/", found)
            else:
                st = entry.stat()
                found[prefix + entry.name] = [st.st_size, st.st_mtime_ns, st.st_ino]


def unchanged(cache_root: Path, specs: Path, out: Path) -> dict[str, Any] | None:
    """The recorded manifest if nothing changed since it was written, else None."""
    path = _manifest_path(cache_root, specs, out)
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION or data.get("fingerprint") != fingerprint():
        return None
    if data.get("inputs") != _inputs(specs, out):
        return None
    outputs = _outputs(out)
    recorded = data.get("outputs")
    if outputs is None or not isinstance(recorded, dict) or set(outputs) != set(recorded):
        return None
    recorded_at = data.get("recorded_ns", 0)
    racy = RACY_NS_FINE if data.get("fine_mtime") else RACY_NS_COARSE
    rehashed = False
    for rel, stat in outputs.items():
        entry = recorded[rel]
        if list(entry[:3]) != stat:
            return None
        if stat[1] >= recorded_at - racy:
            try:
                digest = hashlib.sha256((out / rel).read_bytes()).hexdigest()
            except OSError:
                return None
            if digest != entry[3]:
                return None
            rehashed = True
    if rehashed:
        # Verified by content now; later runs may trust these stats.
        data["recorded_ns"] = time.time_ns()
        _write(path, data)
    return data


def on_disk(cache_root: Path, specs: Path, out: Path) -> tuple[dict[str, str], dict[str, list[int]] | None]:
    """(relative path -> sha256 of each output file that is, by its size,
    mtime and inode, exactly as the last recorded compile wrote it, and the
    stat of every output file, or None when `out` is unreadable).  Files
    modified within a timestamp tick of the recording are left out of the
    first: they must be compared by content."""
    outputs = _outputs(out)
    try:
        data = marshal.loads(_manifest_path(cache_root, specs, out).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}, outputs
    recorded = data.get("outputs") if isinstance(data, dict) and data.get("version") == VERSION else None
    if not outputs or not isinstance(recorded, dict):
        return {}, outputs
    racy = RACY_NS_FINE if data.get("fine_mtime") else RACY_NS_COARSE
    before = data.get("recorded_ns", 0) - racy
    found: dict[str, str] = {}
    for rel, stat in outputs.items():
        entry = recorded.get(rel)
        if entry is not None and list(entry[:3]) == stat and stat[1] < before:
            found[rel] = entry[3]
    return found, outputs


def restat(out: Path, stats: dict[str, list[int]], touched: list[str]) -> dict[str, list[int]] | None:
    """`stats` (of every file under `out`) after the files `touched` were
    replaced or removed, without walking the whole tree again."""
    fresh = dict(stats)
    try:
        for rel in touched:
            try:
                st = os.stat(out / rel)
            except FileNotFoundError:
                fresh.pop(rel, None)
                continue
            fresh[rel] = [st.st_size, st.st_mtime_ns, st.st_ino]
    except OSError:
        return None
    return fresh


def record(
    cache_root: Path,
    specs: Path,
    out: Path,
    tree: Mapping[str, bytes],
    summary: str,
    digests: dict[str, str] | None = None,
    outputs: dict[str, list[int]] | None = None,
) -> None:
    """Remember that `out` holds exactly `tree`, compiled from the current
    specs (`digests`: the sha256 of each file of `tree`, and `outputs`: the
    stat of each file under `out`, if already known)."""
    inputs = _inputs(specs, out)
    if outputs is None:
        outputs = _outputs(out)
    if inputs is None or outputs is None or set(outputs) != set(tree):
        return
    sha = digests if digests is not None else {rel: hashlib.sha256(data).hexdigest() for rel, data in tree.items()}
    data = {
        "version": VERSION,
        "fingerprint": fingerprint(),
        "recorded_ns": time.time_ns(),
        "inputs": inputs,
        "outputs": {rel: stat + [sha[rel]] for rel, stat in sorted(outputs.items())},
        "files": len(tree),
        # Any sub-second part in the mtimes: the file system has fine timestamps.
        "fine_mtime": any(stat[1] % 1_000_000_000 for stat in outputs.values()),
        "summary": summary,
    }
    _write(_manifest_path(cache_root, specs, out), data)


def _write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps(data))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def forget(cache_root: Path, specs: Path, out: Path) -> None:
    """Drop the manifest (the output is about to change or is unknown)."""
    with contextlib.suppress(OSError):
        _manifest_path(cache_root, specs, out).unlink()
