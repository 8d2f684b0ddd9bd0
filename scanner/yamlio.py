"""YAML loading that remembers where every mapping came from, so errors name the file and line."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


class LineDict(dict[str, Any]):
    """A dict that knows the 1-based line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@cache
def _line_loader() -> Any:
    """SafeLoader on libyaml's parser where available: rule packs are parsed at every start (the
    pre-commit hook's budget is half a second) and the pure-Python parser is several times slower.
    PyYAML is imported here, when a file is first parsed: the import alone costs 10-20 ms."""
    import yaml

    class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    _LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return _LineLoader


def _construct_mapping(loader: Any, node: Any, deep: bool = False) -> LineDict:
    # `<<: *anchor` merges come first after flattening; a key written out after them overrides the
    # merged value (YAML merge semantics, used by rule tests that vary one field of a record).
    explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    merged = len(node.value) - explicit
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    written: set[str] = set()
    for i, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if i >= merged:
            if key in written:
                import yaml

                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            written.add(key)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


class YamlError(ValueError):
    """A YAML file that cannot be used; the message starts with `file:line:`."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


def load_text(text: str, path: str) -> Any:
    if not text.strip():
        return None  # what the parser says of an empty document, without importing it
    import yaml

    try:
        return yaml.load(text, Loader=_line_loader())  # a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlError(path, line, f"{e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise YamlError(path, 0, str(e)) from None


def load_file(path: Path | str) -> Any:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise YamlError(str(p), 0, f"cannot read: {e}") from None
    return load_text(text, str(p))
