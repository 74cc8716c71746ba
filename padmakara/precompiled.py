"""Querysets compiled to SQL once per process, then run with each request's values.

On the hot reads, building a queryset and compiling it costs more than PostgreSQL takes to
run the statement (about 60% of a cold track detail, half of a cold group page). A
``Precompiled`` builds its queryset once per *variant* with *probe* values standing in for the
request's, keeps the SQL and where each probe landed among its parameters, and from then on
only swaps the request's values in. What cannot be a parameter (a column chosen by the
reader's content language, say) belongs in the variant.

Probes are values no request sends (ids far below zero, UUIDs of a reserved range), so that
each is found among the parameters by equality: compiling fails loudly if one is missing
(so a probe may not stand for a value of a positive-only field: Django drops ``>= -1`` there).
"""

import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import QuerySet

# Below any id or count, and inside a 32-bit integer's range (Django turns a comparison with a
# value outside an integer field's range into an empty result before any SQL is written).
_INT_PROBE = -1_987_650_000
_UUID_PROBE = 0x7E57_0000_0000_0000_0000_0000_0000_0000


def _probe(kind: type, index: int) -> Any:
    if kind is int:
        return _INT_PROBE - index
    if kind is uuid.UUID:
        return uuid.UUID(int=_UUID_PROBE + index)
    if kind is str:
        return f"precompiled-probe-{index}-7e57"
    if kind is list:  # an int array parameter (``= ANY(%s)``)
        return [_INT_PROBE - 1_000 - index]
    raise TypeError(f"no probe for {kind!r}")


class Precompiled:
    """``build(variant, **probes)`` returns a ``.values()`` queryset (for ``rows``) or a model's
    (for ``instances``); ``probes`` names each value the request supplies and its type
    (``int``, ``str``, ``uuid.UUID`` or ``list`` of ints).
    With ``paged=True`` the SQL ends with ``LIMIT %s OFFSET %s`` (Django writes slices into
    the SQL text, not as parameters): the queryset must not be sliced itself."""

    def __init__(self, build: Callable[..., QuerySet], *, paged: bool = False, **probes: type):
        self._build = build
        self._paged = paged
        self._probes = {name: _probe(kind, i) for i, (name, kind) in enumerate(probes.items())}
        self._compiled: dict[tuple, tuple[str, list, dict[str, list[int]], list[str]]] = {}
        self._compilers: dict[tuple, Any] = {}

    def _compile(self, variant: Hashable):
        key = (connection.alias, connection.vendor, variant)
        compiled = self._compiled.get(key)
        if compiled is None:
            query = self._build(variant, **self._probes).query
            compiler = query.get_compiler(using=connection.alias)
            sql, params = compiler.as_sql()
            self._compilers[key] = compiler
            params = list(params)
            at = {name: [i for i, p in enumerate(params) if p == probe] for name, probe in self._probes.items()}
            missing = [name for name, places in at.items() if not places]
            if missing:
                raise ImproperlyConfigured(f"precompiled query: no parameter for {', '.join(missing)}")
            columns = list(query.selected or (*query.values_select, *query.annotation_select))
            if self._paged:
                sql += " LIMIT %s OFFSET %s"
            compiled = self._compiled.setdefault(key, (sql, params, at, columns))
        return compiled

    def columns(self, variant: Hashable = None) -> list[str]:
        return self._compile(variant)[3]

    def _fetch(self, variant: Hashable, limit: int | None, offset: int, values: dict) -> list[tuple]:
        sql, params, at, _columns = self._compile(variant)
        params = list(params)
        for name, places in at.items():
            for i in places:
                params[i] = values[name]
        if self._paged:
            params += [limit, offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def rows(self, variant: Hashable = None, *, limit: int | None = None, offset: int = 0, **values) -> list[dict]:
        """The rows for these values, as dicts of the queryset's column names (values as the
        database driver reads them: Django's field converters are not applied)."""
        columns = self._compile(variant)[3]
        return [dict(zip(columns, row, strict=True)) for row in self._fetch(variant, limit, offset, values)]

    def instances(self, variant: Hashable = None, **values) -> list:
        """Model instances, for a queryset of a model's own rows (no ``.values()``, no
        ``select_related``, no deferred fields), with the fields' converters applied as the ORM
        applies them."""
        self._compile(variant)
        compiler = self._compilers[(connection.alias, connection.vendor, variant)]
        model = compiler.query.model
        fields = [select[0] for select in compiler.select[: compiler.col_count]]
        names = [field.attname for field in model._meta.concrete_fields]
        if [getattr(column, "target", None) for column in fields] != list(model._meta.concrete_fields):
            raise ImproperlyConfigured("precompiled instances: the query must select the model's own fields")
        rows = compiler.apply_converters(self._fetch(variant, None, 0, values), compiler.get_converters(fields))
        return [model.from_db(connection.alias, names, row) for row in rows]
