"""A small validator for OCSF records, driven by the compiled schema in tests/fixtures/schemas.

It walks a class's attributes and the objects they refer to and reports, as readable paths:
required attributes missing, attributes the schema does not know (anything goes under `unmapped`),
deprecated attributes, types (timestamp_t is an integer; strings meet their type's regex and
length), enum values, enum siblings that contradict their id (`status` vs `status_id`), object
`at_least_one` / `just_one` constraints, and the class rules (class and category uids,
`type_uid = class_uid * 100 + activity_id`, `metadata.version`).
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from typing import Any

import orjson

from tests.conftest import FIXTURES

SCHEMA_PATH = FIXTURES / "schemas" / "ocsf-1.8.0.json.gz"

#: The compiled schema gives every _entity descendant _entity's own constraint (name or uid);
#: ocsf-schema's objects/endpoint.json overrides it so an endpoint known only by its IP is valid.
CONSTRAINT_FIXES: dict[str, dict[str, list[str]]] = {
    name: {"at_least_one": ["ip", "uid", "name", "hostname", "instance_uid", "interface_uid", "interface_name"]}
    for name in ("endpoint", "network_endpoint")
}

_INT_RANGES = {"integer_t": (-(2**31), 2**31 - 1), "long_t": (-(2**63), 2**63 - 1)}


class OcsfSchema:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.version: str = doc["version"]
        self.classes: dict[str, Any] = doc["classes"]
        self.objects: dict[str, Any] = doc["objects"]
        self.types: dict[str, Any] = doc["types"]
        self.categories: dict[str, Any] = doc["categories"]
        self._regex = {name: re.compile(t["regex"]) for name, t in self.types.items() if t.get("regex")}

    def validate(self, record: Any, class_name: str = "api_activity") -> list[str]:
        cls = self.classes[class_name]
        errors: list[str] = []
        self._object(record, cls["attributes"], cls.get("constraints"), "", errors)
        if not isinstance(record, dict):
            return errors
        if record.get("class_uid") != cls["uid"]:
            errors.append(f"class_uid: {record.get('class_uid')!r} is not {cls['uid']}")
        category_uid = self.categories[cls["category"]]["uid"]
        if record.get("category_uid") != category_uid:
            errors.append(f"category_uid: {record.get('category_uid')!r} is not {category_uid}")
        activity = record.get("activity_id")
        if isinstance(activity, int) and record.get("type_uid") != cls["uid"] * 100 + activity:
            errors.append(f"type_uid: {record.get('type_uid')!r} is not class_uid * 100 + activity_id")
        metadata = record.get("metadata")
        if isinstance(metadata, dict) and metadata.get("version") != self.version:
            errors.append(f"metadata.version: {metadata.get('version')!r} is not {self.version}")
        return errors

    def _object(self, value: Any, attrs: dict[str, Any], constraints: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, dict):
            errors.append(f"{path or '<record>'}: expected an object, got {type(value).__name__}")
            return
        for name, spec in attrs.items():
            if spec.get("requirement") == "required" and value.get(name) is None:
                errors.append(f"{path}.{name}: required attribute missing".lstrip("."))
        for key, v in value.items():
            where = f"{path}.{key}".lstrip(".")
            spec = attrs.get(key)
            if spec is None:
                errors.append(f"{where}: not an attribute of this object (put it under unmapped)")
                continue
            if spec.get("@deprecated"):
                errors.append(f"{where}: deprecated attribute")
            self._value(v, spec, where, errors)
        self._siblings(value, attrs, path, errors)
        for kind, names in (constraints or {}).items():
            present = [n for n in names if value.get(n) is not None]
            if kind == "at_least_one" and not present:
                errors.append(f"{path or '<record>'}: needs at least one of {names}")
            if kind == "just_one" and len(present) != 1:
                errors.append(f"{path or '<record>'}: needs exactly one of {names}, has {present}")

    def _siblings(self, value: dict[str, Any], attrs: dict[str, Any], path: str, errors: list[str]) -> None:
        for name, spec in attrs.items():
            sibling, enum = spec.get("sibling"), spec.get("enum")
            if not (sibling and enum and name in value and sibling in value):
                continue
            caption = (enum.get(str(value[name])) or {}).get("caption")
            if value[name] != 99 and caption is not None and value[sibling] != caption:
                errors.append(f"{path}.{sibling}: {value[sibling]!r} contradicts {name}={value[name]} "
                              f"({caption})".lstrip("."))

    def _value(self, v: Any, spec: dict[str, Any], path: str, errors: list[str]) -> None:
        if spec.get("is_array"):
            if not isinstance(v, list):
                errors.append(f"{path}: expected an array, got {type(v).__name__}")
                return
            for i, item in enumerate(v):
                self._single(item, spec, f"{path}[{i}]", errors)
        else:
            self._single(v, spec, path, errors)

    def _single(self, v: Any, spec: dict[str, Any], path: str, errors: list[str]) -> None:
        tname = spec["type"]
        if tname == "object":  # `unmapped` and other free-form objects
            if not isinstance(v, dict):
                errors.append(f"{path}: expected an object, got {type(v).__name__}")
            return
        if tname in self.objects:
            obj = self.objects[tname]
            self._object(v, obj["attributes"], CONSTRAINT_FIXES.get(tname, obj.get("constraints")), path, errors)
            return
        if tname not in self.types:
            errors.append(f"{path}: schema type {tname!r} unknown to this validator")
            return
        self._scalar(v, tname, path, errors)
        enum = spec.get("enum")
        if enum and str(v) not in enum:
            errors.append(f"{path}: {v!r} is not one of {sorted(enum)}")

    def _scalar(self, v: Any, tname: str, path: str, errors: list[str]) -> None:
        """Check v against a type and each type it derives from (timestamp_t → long_t, ip_t → string_t)."""
        t: str | None = tname
        while t:
            spec = self.types[t]
            if t == "boolean_t" and not isinstance(v, bool):
                errors.append(f"{path}: expected a boolean ({tname}), got {v!r}")
                return
            if t in _INT_RANGES:
                lo, hi = _INT_RANGES[t]
                if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                    errors.append(f"{path}: expected an integer ({tname}), got {v!r}")
                    return
            if t == "float_t" and (not isinstance(v, (int, float)) or isinstance(v, bool)):
                errors.append(f"{path}: expected a number ({tname}), got {v!r}")
                return
            if t == "string_t" and not isinstance(v, str):
                errors.append(f"{path}: expected a string ({tname}), got {v!r}")
                return
            if isinstance(v, str):
                if spec.get("max_len") and len(v) > spec["max_len"]:
                    errors.append(f"{path}: longer than {spec['max_len']} characters ({tname})")
                if t in self._regex and not self._regex[t].search(v):
                    errors.append(f"{path}: {v!r} does not match {t}")
            rng = spec.get("range")
            if rng and isinstance(v, int) and not rng[0] <= v <= rng[1]:
                errors.append(f"{path}: {v} outside {rng} ({tname})")
            t = spec.get("type")


@cache
def ocsf_schema() -> OcsfSchema:
    return OcsfSchema(orjson.loads(gzip.decompress(SCHEMA_PATH.read_bytes())))
