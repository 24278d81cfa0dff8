"""Fingerprints of generated organisations."""

from __future__ import annotations

import hashlib
from pathlib import Path


def directory_digest(directory: Path, pattern: str = "*") -> str:
    """sha256 over the names and bytes of the files of ``directory`` matching ``pattern``, in name order."""
    hasher = hashlib.sha256()
    for path in sorted(directory.glob(pattern)):
        hasher.update(path.name.encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()
