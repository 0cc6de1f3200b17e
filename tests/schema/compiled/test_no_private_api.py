"""The compiled path reads no private attribute of Django, strawberry or graphql-core
(issue 12): an upgrade of either can only break it through their public API."""

import ast
from pathlib import Path

import schema.compiled

PACKAGE = Path(schema.compiled.__file__).parent


def private_attributes(source: str) -> list[str]:
    """`x._name` reads and getattr(x, "_name") calls in `source` (dunders, and a class's
    own `self._name`, aside)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            if getattr(node.value, "id", None) == "self":
                continue
            name = node.attr
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr"
              and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)):
            name = str(node.args[1].value)
        else:
            continue
        if name.startswith("_") and not name.endswith("__"):
            found.append(name)
    return found


def test_compiled_modules_touch_no_private_attribute():
    modules = sorted(PACKAGE.glob("*.py"))

    found = {path.name: private_attributes(path.read_text()) for path in modules}

    assert len(modules) >= 7
    assert {name: attrs for name, attrs in found.items() if attrs} == {}


def test_the_check_finds_private_reads():
    source = "x = schema._schema.type_map\ny = getattr(obj, '_prefetched_objects_cache')\n"

    assert sorted(private_attributes(source)) == ["_prefetched_objects_cache", "_schema"]
