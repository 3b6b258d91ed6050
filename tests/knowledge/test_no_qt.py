"""The knowledge core must never import Qt or the desktop package."""

import pkgutil
import subprocess
import sys

import knowledge


def test_knowledge_imports_no_qt():
    names = [m.name for m in pkgutil.walk_packages(knowledge.__path__, "knowledge.")]
    assert "knowledge.text" in names
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'desktop')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
