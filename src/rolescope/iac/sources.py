"""Which files ``check-iac`` reads: the files given, and the templates under the directories given."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

TEMPLATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template", ".tf"})
# Directories of tools and dependencies, never the user's templates (cdk.out is: CDK's synthesised output).
SKIPPED_DIRECTORIES = frozenset({".git", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox",
                                 ".mypy_cache", ".pytest_cache", ".ruff_cache"})


def template_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file given, then every file with a template suffix under each directory given, sorted.

    A path that does not exist is yielded as it is, so that reading it fails with its own message.
    """
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        found: list[Path] = []
        for directory, subdirectories, files in os.walk(path):
            subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES)
            found += [Path(directory, name) for name in files if Path(name).suffix.lower() in TEMPLATE_SUFFIXES]
        yield from sorted(found)


def shown_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` in POSIX form when it lies under it (code scanning wants that), else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
