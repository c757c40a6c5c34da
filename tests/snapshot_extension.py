"""A syrupy extension whose snapshot files ARE the artifacts under snapshots/.

Each artifact path `<spec-id>/migrations/postgres/up.sql` is stored at
`snapshots/<spec-id>/migrations/postgres/up.sql`, byte for byte, so
`pytest --snapshot-update` and `specc compile` write the same files and a
reviewer sees one tree.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

SNAPSHOT_ROOT = Path(__file__).resolve().parent.parent / "snapshots"


def artifact_extension(artifact: PurePosixPath, root: Path = SNAPSHOT_ROOT) -> type[SingleFileSnapshotExtension]:
    """An extension class that reads and writes exactly `root / artifact`."""
    folder = root.joinpath(*artifact.parent.parts)
    name, dot, ext = artifact.name.rpartition(".")
    if not dot:
        name, ext = artifact.name, ""

    class ArtifactExtension(SingleFileSnapshotExtension):
        _write_mode = WriteMode.BINARY
        file_extension = ext

        @classmethod
        def dirname(cls, *, test_location: Any) -> str:
            return str(folder)

        @classmethod
        def discovery_dirname(cls, *, test_location: Any) -> str:
            return str(folder)

        @classmethod
        def get_snapshot_name(cls, *, test_location: Any, index: Any = 0) -> str:
            return name

        @classmethod
        def get_file_basename(cls, *, test_location: Any, index: Any) -> str:
            return name

    ArtifactExtension.__name__ = ArtifactExtension.__qualname__ = f"Artifact[{artifact}]"
    return ArtifactExtension
