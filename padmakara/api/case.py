"""snake_case in Python, camelCase on the wire (docs/api.md conventions)."""

import re
from functools import lru_cache

_UNDERSCORE_LETTER = re.compile(r"_([a-z0-9])")
_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")


@lru_cache(maxsize=4096)
def camel_key(key: str) -> str:
    return _UNDERSCORE_LETTER.sub(lambda m: m.group(1).upper(), key) if "_" in key else key


@lru_cache(maxsize=4096)
def snake_key(key: str) -> str:
    return _UPPER.sub(lambda m: "_" + m.group(1).lower(), key)


def camelize(data):
    if isinstance(data, dict):
        return {camel_key(k) if isinstance(k, str) else k: camelize(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [camelize(item) for item in data]
    return data


def underscoreize(data):
    if isinstance(data, dict):
        return {snake_key(k) if isinstance(k, str) else k: underscoreize(v) for k, v in data.items()}
    if isinstance(data, list):
        return [underscoreize(item) for item in data]
    return data
