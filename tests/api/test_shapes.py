"""A row shape's body is built from its declaration: every documented field, in the documented order."""

import datetime

import pytest

from notifications import shapes as notification_shapes
from padmakara.api.shapes import _reading_plan
from progress import shapes as progress_shapes

ROW_SHAPES = [
    progress_shapes.TrackProgressState,
    progress_shapes.TrackProgressWithBookmarks,
    progress_shapes.Bookmark,
    progress_shapes.Highlight,
    progress_shapes.ProgressTotals,
    notification_shapes.Notification,
]
MOMENT = datetime.datetime(2026, 1, 15, 10, 0, 0, 123456, tzinfo=datetime.UTC)


@pytest.mark.parametrize("shape", ROW_SHAPES, ids=lambda shape: shape.__name__)
def test_it_builds_every_documented_field_in_order(shape):
    row = {key: MOMENT if formatter else f"{key} value" for _, key, formatter in _reading_plan(shape)}

    body = shape.build((row, [])) if shape is progress_shapes.TrackProgressWithBookmarks else shape.build(row)

    assert list(body) == list(shape().fields)


def test_it_formats_date_times_as_api_md_asks():
    row = {"track__uuid": "t", "position": 1.0, "completed": False, "last_played": MOMENT}

    assert progress_shapes.TrackProgressState.build(row)["lastPlayed"] == "2026-01-15T10:00:00Z"
