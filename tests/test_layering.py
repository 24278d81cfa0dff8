"""No module imports a layer above its own: the data flow of DESIGN.md, read from every module's imports.

The layers, lowest first (a module may import its own layer and any below it):

    foundations   the package's version, memo caches, reading and atomically writing user files, YAML
                  input, the collector pause, the process pool, bundled data and its loaders (data/)
    policy/       the IAM policy language
    auth/         sessions and credentials (ARNs come from policy/)
    inventory/    account snapshots and their loaders (live collection opens sessions through auth/)
    trust/        reasoning over trust (reads snapshots)
    checks/       the checks and their catalogue
    scanner       snapshots -> trust analyses -> checks
    scan document report/model.py and report/reader.py, the typed scan document that both the reports
                  and the remediation planner read; report/fixes.py, the fixes a report shows
    reports       the rest of report/: the document's writer and the formats   } peers: neither
    remediate/    corrected trust policies, plans, apply, rollback             } imports the other
    entry points  pipeline.py, config.py, audit_role.py, iac/: what a library user or a command calls
    cli/          the commands

Peers share a rank: they may import what lies below them, not each other. So the renderers never
run the planner (the fixes reach them as data, see rolescope.report.fixes) and the planner never
reaches into a renderer. Imports inside functions and under ``TYPE_CHECKING`` count too: they are
dependencies all the same.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "rolescope"

# (rank, layer, modules): a module belongs to the entry naming it or its closest package;
# "rolescope" alone is the package's __init__ (its version), not everything under it.
LAYERS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    # wording, records and textsafe arrive with the parallel branches of issue 11 (they import no rolescope module)
    (0, "foundations", ("rolescope", "rolescope.caches", "rolescope.userfiles", "rolescope.atomic_write",
                        "rolescope.yaml_input", "rolescope.gc_pause", "rolescope.workers", "rolescope.data",
                        "rolescope.wording", "rolescope.records", "rolescope.textsafe")),
    (1, "policy", ("rolescope.policy",)),
    (2, "auth", ("rolescope.auth",)),
    (3, "inventory", ("rolescope.inventory",)),
    (4, "trust", ("rolescope.trust",)),
    (5, "checks", ("rolescope.checks",)),
    (6, "scanner", ("rolescope.scanner",)),
    (7, "scan document", ("rolescope.report.model", "rolescope.report.reader", "rolescope.report.fixes")),
    (8, "reports", ("rolescope.report",)),
    (8, "remediate", ("rolescope.remediate",)),
    # iac/ reads templates and runs the checks on them as the pipeline runs them on accounts, and
    # renders its own reports with the SARIF and CSV building blocks of report/
    (9, "entry points", ("rolescope.pipeline", "rolescope.config", "rolescope.audit_role",
                         "rolescope.profile_sources", "rolescope.iac")),
    (10, "cli", ("rolescope.cli", "rolescope.__main__")),
)
# DESIGN.md: "policy/ and trust/ import nothing from AWS SDKs".
SDK_FREE = ("rolescope.policy", "rolescope.trust")
SDKS = ("boto3", "botocore")
DATA = "rolescope.data"


@dataclass(frozen=True, slots=True)
class Layer:
    rank: int
    name: str


def layer_of(module: str) -> Layer | None:
    """The layer of a module (by the longest table entry that is the module or one of its packages)."""
    best: tuple[int, Layer] | None = None
    for rank, name, prefixes in LAYERS:
        for prefix in prefixes:
            matches = module == prefix or (prefix != PACKAGE and module.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), Layer(rank, name))
    return best[1] if best else None


def is_upward(importer: Layer, imported: Layer) -> bool:
    """Whether ``importer`` may not import ``imported``: a higher layer, or a peer of the same rank."""
    return importer.name != imported.name and imported.rank >= importer.rank


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # the importing module
    target: str  # the module it imports
    line: int


def module_names(source: Path) -> dict[str, Path]:
    """Every module under ``source``/rolescope, by dotted name (a package by its own name)."""
    names = {}
    for path in sorted((source / PACKAGE).rglob("*.py")):
        parts = path.relative_to(source).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imports_of(module: str, path: Path, known: set[str]) -> Iterator[Import]:
    """The rolescope modules ``module`` imports, wherever in it (``from X import name`` is X.name when
    that is a module, else X)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield Import(module, candidate if candidate in known else base, node.lineno)


def all_imports(source: Path) -> list[Import]:
    modules = module_names(source)
    known = set(modules)
    return [found for module, path in modules.items() for found in imports_of(module, path, known)]


def upward_imports(source: Path) -> list[str]:
    """Each import that breaks the layer order, as ``module:line imports target (layer -> layer)``."""
    broken: dict[str, None] = {}  # one line per import statement, however many names it takes
    for found in all_imports(source):
        if found.target != PACKAGE and not found.target.startswith(PACKAGE + "."):
            continue
        importer, imported = layer_of(found.module), layer_of(found.target)
        if importer is None or imported is None:
            continue  # test_every_module_has_a_layer names them
        if is_upward(importer, imported):
            broken[f"{found.module}:{found.line} imports {found.target} ({importer.name} -> {imported.name})"] = None
    return list(broken)


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert upward_imports(SOURCE) == []


def test_every_module_has_a_layer() -> None:
    assert [m for m in module_names(SOURCE) if layer_of(m) is None] == []


def bundled_data_readers(source: Path) -> list[str]:
    """Modules outside data/ that read its files themselves (``load_bundled_yaml("rolescope.data", ...)``)."""
    readers = []
    for module, path in module_names(source).items():
        if module == DATA or module.startswith(DATA + "."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "load_bundled_yaml"
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == DATA):
                readers.append(f"{module}:{node.lineno}")
    return readers


def test_bundled_data_is_loaded_in_data() -> None:
    """DESIGN.md: data/ holds the bundled data *and its loaders*; a layer that needs a list calls them."""
    assert bundled_data_readers(SOURCE) == []


def test_policy_and_trust_import_no_aws_sdk() -> None:
    offending = [f"{i.module}:{i.line} imports {i.target}" for i in all_imports(SOURCE)
                 if i.module.startswith(SDK_FREE) and i.target.split(".")[0] in SDKS]
    assert offending == []


def write_tree(root: Path, modules: dict[str, str]) -> Path:
    """A source tree under ``root`` holding ``modules`` (dotted name -> text), each package with its __init__."""
    for name, text in modules.items():
        parts = name.split(".")
        for depth in range(1, len(parts)):
            package = root.joinpath(*parts[:depth])
            package.mkdir(exist_ok=True)
            (package / "__init__.py").touch()
        root.joinpath(*parts).with_suffix(".py").write_text(text + "\n")
    return root


@pytest.mark.parametrize(("module", "source", "upward"), [
    ("rolescope.inventory.live", "from rolescope.scanner import TrustCache", True),
    ("rolescope.inventory.export", "from rolescope.report.atomic import write_atomic", True),
    ("rolescope.remediate.journal", "from rolescope.report.atomic import write_atomic", True),
    ("rolescope.report.html", "from rolescope.remediate.plan import build_plan", True),
    ("rolescope.report.html", "def render():\n    from rolescope.remediate import plan", True),
    ("rolescope.report.index", "from rolescope.cli.errors import InputError", True),
    ("rolescope.policy.glob", "from ..trust import analysis", True),
    ("rolescope.remediate.plan", "from rolescope.report.model import ScanDocument", False),
    ("rolescope.report.html", "from rolescope.report.fixes import Fixes", False),
    ("rolescope.report.index", "from rolescope.data.vendors import load_vendors", False),
    ("rolescope.trust.graph", "from . import graph_model", False),
    ("rolescope.cli.scan", "from rolescope.remediate.report_fixes import fixes_for_report", False),
])
def test_the_order_flags_what_it_should(tmp_path: Path, module: str, source: str, upward: bool) -> None:
    """The checker itself: the imports issue 11 found (and their lazy and relative forms) are caught; the
    downward ones that replaced them pass."""
    write_tree(tmp_path, {module: source})
    assert bool(upward_imports(tmp_path)) is upward


def test_the_data_rule_flags_a_loader_outside_data(tmp_path: Path) -> None:
    read = 'load_bundled_yaml("rolescope.data", "vendor_accounts.yaml")'
    write_tree(tmp_path, {"rolescope.checks.context": read, "rolescope.data.vendors": read,
                          "rolescope.checks.catalogue": 'load_bundled_yaml("rolescope.checks", "catalogue.yaml")'})
    assert bundled_data_readers(tmp_path) == ["rolescope.checks.context:1"]
