"""Cheap checks of the PyInstaller spec, run always (the build itself is in test_bundle.py, opt-in)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "tolk.spec"
ENTRY = ROOT / "packaging" / "tolk_entry.py"


def _spec_tree() -> ast.Module:
    source = SPEC.read_text()
    compile(source, str(SPEC), "exec")  # raises SyntaxError when the spec does not parse
    return ast.parse(source, filename=str(SPEC))


def _assigned(tree: ast.Module, name: str) -> ast.expr:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return node.value
    raise AssertionError(f"{SPEC.name} assigns no {name}")


def _string_list(tree: ast.Module, name: str) -> list[str]:
    value = _assigned(tree, name)
    assert isinstance(value, ast.List), f"{name} is not a list literal"
    return [ast.literal_eval(item) for item in value.elts]


def test_spec_names_the_entry_script_that_runs_the_console_script() -> None:
    entry = _assigned(_spec_tree(), "ENTRY_SCRIPT")
    assert "tolk_entry.py" in ast.unparse(entry)
    console = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["tolk"]
    module, _, function = console.partition(":")
    entry_imports = {
        (node.module, alias.name)
        for node in ast.walk(ast.parse(ENTRY.read_text()))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert (module, function) in entry_imports


def test_spec_excludes_neural_runtimes_and_collects_engine_data() -> None:
    tree = _spec_tree()
    excluded = set(_string_list(tree, "EXCLUDED_MODULES"))
    assert {"torch", "transformers", "ctranslate2"} <= excluded
    datas = ast.unparse(_assigned(tree, "DATAS"))
    assert "pocketsphinx" in datas and "grpc" in datas


def test_spec_hooks_and_entry_compile() -> None:
    for path in [ENTRY, *sorted((ROOT / "packaging" / "hooks").glob("*.py"))]:
        compile(path.read_text(), str(path), "exec")
