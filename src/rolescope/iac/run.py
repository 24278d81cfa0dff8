"""The one library entry point of ``check-iac``: files in, verdicts and per-file errors out.

A file that cannot be read or analysed is an error for that file only; the others are still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from rolescope.checks.catalogue import severity_rank
from rolescope.checks.context import CheckSettings
from rolescope.iac.cloudformation import is_cloudformation, load_template, template_roles
from rolescope.iac.evaluate import IacFinding, RoleVerdict, evaluate_role
from rolescope.iac.model import TemplateError, TemplateRole
from rolescope.iac.sources import shown_path, template_files
from rolescope.trust.witness import Zone
from rolescope.userfiles import UnreadableFile, read_user_text


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be read or analysed: its path and the one-line reason."""

    path: str
    error: str

    def __str__(self) -> str:
        return f"{self.path}: {self.error}"


@dataclass(slots=True)
class IacResult:
    """What ``check-iac`` found: each role's verdict, the files with errors, what was read and skipped."""

    verdicts: list[RoleVerdict] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[IacFinding]:
        """Every finding, by file and line, the most severe first on a line."""
        found = [finding for verdict in self.verdicts for finding in verdict.findings]
        return sorted(found, key=lambda f: (f.path, f.line, severity_rank(f.severity), f.check))


def check_iac(paths: Iterable[Path], zone: Zone, settings: CheckSettings, root: Path | None = None) -> IacResult:
    """Read every template under ``paths`` and analyse each role's trust policy in ``zone``.

    Args:
        paths: files and directories (searched recursively).
        zone: the deploying account, its partition and organisation: who counts as outside.
        settings: the checks' settings (trusted accounts, thresholds, severity overrides).
        root: paths in the result are relative to it when under it (default: the current directory).

    Returns:
        The verdicts, the files that failed (each with its reason) and the files that are no templates.
    """
    result = IacResult()
    base = root or Path.cwd()
    directories: dict[Path, Any] = {}
    for path in template_files(paths):
        shown = shown_path(path, base)
        try:
            roles = read_roles(path, shown, zone, directories)
            if roles is None:
                result.skipped.append(shown)
                continue
            result.files.append(shown)
            result.verdicts += [evaluate_role(role, zone, settings) for role in roles]
        except (TemplateError, UnreadableFile) as error:
            result.errors.append(FileError(shown, str(error).removeprefix(f"{path}: ")))
        except RecursionError:
            result.errors.append(FileError(shown, "nested too deeply to read"))
        except Exception as error:  # a parser's surprise on one hostile file must not stop the others
            result.errors.append(FileError(shown, f"unexpected {type(error).__name__}: {error}"))
    return result


def read_roles(path: Path, shown: str, zone: Zone, directories: dict[Path, Any] | None = None
               ) -> list[TemplateRole] | None:
    """The roles in the file at ``path`` (``None``: not a template rolescope reads).

    Raises:
        TemplateError: a template that cannot be read or resolved.
        UnreadableFile: the file cannot be read.
    """
    text = read_user_text(path, "a template")
    if path.suffix.lower() == ".tf":
        from rolescope.iac.hcl import directory_files, hcl_roles  # python-hcl2 loads only for .tf files

        parsed, siblings = directory_files(path, {} if directories is None else directories)
        return hcl_roles(shown, text, zone.account_id, zone.partition, siblings, parsed)
    try:
        data = _json(text) if path.suffix.lower() == ".json" else None
        located = load_template(text) if data is None else None
    except TemplateError:
        if _TEMPLATE_MARKS.search(text):
            raise
        return None  # a Helm chart, a multi-document Kubernetes manifest...: broken or not, no template of ours
    if isinstance(data, dict) and is_terraform_plan(data):
        from rolescope.iac.terraform_plan import plan_roles

        return plan_roles(shown, data, text)
    if data is None or is_cloudformation(data):
        # Read again with lines kept (JSON is YAML): a JSON template's findings point at lines too.
        located = located if data is None else _located_or(text, data)
        if is_cloudformation(located):
            return template_roles(shown, located, zone.account_id, zone.partition, text)
    return None


# What a file that cannot be parsed must mention to be reported as a broken template rather than skipped.
_TEMPLATE_MARKS = re.compile(r"AWSTemplateFormatVersion|AWS::|terraform_version")


def _json(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise TemplateError(f"not valid JSON: {error}") from None


def _located_or(text: str, data: Any) -> Any:
    """``text`` read with lines kept, or ``data`` without lines when YAML cannot read it (JSON with tabs)."""
    try:
        return load_template(text)
    except TemplateError:
        return data


def is_terraform_plan(data: Any) -> bool:
    """Whether decoded ``data`` is ``terraform show -json`` output."""
    return isinstance(data, dict) and "terraform_version" in data and (
        "planned_values" in data or "prior_state" in data or "values" in data)
