"""No code in the package that runs what a file says: no pickle (or marshal, shelve), no
eval / exec / compile, no unsafe YAML, no shell. Ruff's S102, S301, S302, S307 and S506
rules say the same at lint time."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "matching"
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle",
                     "joblib"}
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_ATTRIBUTES = {("os", "system"), ("os", "popen"), ("yaml", "load"),
                        ("yaml", "unsafe_load"), ("yaml", "full_load"), ("builtins", "eval"),
                        ("builtins", "exec")}


def offences(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""]
            found += [f"{name}:{node.lineno}: imports {m}" for m in modules
                      if m.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_BUILTINS:
                found.append(f"{name}:{node.lineno}: calls {func.id}")
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                    (func.value.id, func.attr) in FORBIDDEN_ATTRIBUTES:
                found.append(f"{name}:{node.lineno}: calls {func.value.id}.{func.attr}")
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant)
                                                   and keyword.value.value is False):
                    found.append(f"{name}:{node.lineno}: runs a shell")
    return found


def test_the_package_runs_nothing_a_file_says():
    found = []
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20
    for path in files:
        found += offences(path.read_text("utf-8"), str(path.relative_to(PACKAGE.parent)))
    assert found == []


@pytest.mark.parametrize("code", [
    "import pickle", "from pickle import loads", "import marshal", "eval('1')",
    "exec('x = 1')", "import yaml\nyaml.load(text)", "yaml.unsafe_load(text)",
    "subprocess.run(cmd, shell=True)", "os.system('ls')", "import shelve",
])
def test_the_check_catches(code):
    assert offences(code, "x.py")


@pytest.mark.parametrize("code", [
    "import json\njson.loads(text)", "yaml.safe_load(text)", "re.compile('x')",
    "subprocess.run(['ls'], shell=False)", "model.evaluate(x)",
])
def test_the_check_allows(code):
    assert offences(code, "x.py") == []
