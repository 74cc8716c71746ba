"""Response shapes: each shape of the API is declared once, as a serializer class.

The declared fields, named as on the wire (camelCase), are the shape's OpenAPI component
(named after the class); the classmethod ``build`` turns rows (model instances, ``.values()``
rows, dataclasses) into the body the views answer with. ``build`` writes the dict directly,
without DRF's per-field serialization, so that the hot content paths stay as fast as a dict
literal. Each app keeps its shapes in ``<app>/shapes.py``.
"""

from rest_framework import serializers

from .case import snake_key
from .formats import iso_datetime

# No docstrings on shape classes: drf-spectacular takes a serializer's docstring, or its base
# class's, as the component's description, and the document has none.


class Shape(serializers.Serializer):
    # One response shape: fields for the OpenAPI document, ``build`` for the body.

    # The leading fields in wire order, where inherited fields (which come first) are not.
    field_order: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        if not self.field_order:
            return fields
        ordered = {name: fields.pop(name) for name in self.field_order}
        ordered.update(fields)
        return ordered

    @classmethod
    def build(cls, *args, **kwargs) -> dict:
        raise NotImplementedError


class RowShape(Shape):
    # A shape whose ``build`` reads one ``.values()`` row: each field from the row's key named by
    # its ``source``, else its own name in snake_case (``createdAt`` ← ``created_at``), date-times
    # formatted as docs/api.md asks. Nested shapes are the subclass's to add.

    @classmethod
    def build(cls, row: dict) -> dict:
        return {name: row[key] if fmt is None else fmt(row[key]) for name, key, fmt in _reading_plan(cls)}


_plans: dict[type, list[tuple]] = {}


def _reading_plan(shape: type[RowShape]) -> list[tuple]:
    """``(wire name, row key, formatter or None)`` for each plain field of the shape, worked out once."""
    plan = _plans.get(shape)
    if plan is None:
        plan = [
            (
                name,
                field.source or snake_key(name),
                iso_datetime if isinstance(field, serializers.DateTimeField) else None,
            )
            for name, field in shape._declared_fields.items()
            if not isinstance(field, serializers.BaseSerializer)
        ]
        _plans[shape] = plan
    return plan


class PageShape(Shape):
    # A page of a list (docs/api.md pagination): the subclass's fields, then ``totalCount`` and ``hasMore``.

    totalCount = serializers.IntegerField()
    hasMore = serializers.BooleanField()

    def get_fields(self):
        fields = super().get_fields()
        for name in ("totalCount", "hasMore"):  # after the page's own fields, as in the body
            fields[name] = fields.pop(name)
        return fields

    @classmethod
    def build(cls, page, total: int, **parts) -> dict:
        """``parts`` are the page's own fields by wire name, e.g. ``bookmarks=[...]``."""
        return {**parts, **page.meta(total)}


class WrapperShape(Shape):
    # One nested shape under its key, after the plain fields given to ``build`` (a ``message``):
    # ``{"message": ..., "user": {...}}``, ``{"bookmark": {...}}``.

    @classmethod
    def build(cls, row, **fields) -> dict:
        key, nested = next((name, field) for name, field in cls._declared_fields.items() if isinstance(field, Shape))
        return {**fields, key: type(nested).build(row)}


class MessageShape(Shape):
    # ``{"message": ...}``: what an action answers when it has nothing else to return.

    message = serializers.CharField()

    @classmethod
    def build(cls, message) -> dict:
        return {"message": message}


def message_shape(name: str) -> type[MessageShape]:
    """A message component under its own name (the document names one per API section)."""
    return type(name, (MessageShape,), {"__module__": __name__, "__qualname__": name})
