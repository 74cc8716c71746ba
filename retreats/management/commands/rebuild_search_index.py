"""Bring every search vector up to date. Rows whose content was already indexed are
skipped, so running it again is cheap; ``--force`` re-indexes everything."""

import time

from django.core.management.base import BaseCommand

from retreats import search


class ProgressBar:
    """A one-line text progress bar (redrawn in place on a terminal, one line per batch otherwise)."""

    WIDTH = 30

    def __init__(self, stream):  # a command's OutputWrapper
        self.stream = stream
        self.interactive = stream.isatty()
        self.started = time.monotonic()
        self.label = None

    def __call__(self, label: str, done: int, total: int) -> None:
        if label != self.label:
            if self.label is not None:
                self.stream.write("", ending="\n")
            self.label, self.started = label, time.monotonic()
        filled = self.WIDTH * done // total if total else self.WIDTH
        percent = 100 * done // total if total else 100
        line = (
            f"{label:<12} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}% "
            f"{done:,}/{total:,} {time.monotonic() - self.started:6.1f}s"
        )
        self.stream.write(("\r" + line) if self.interactive else line, ending="" if self.interactive else "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.interactive and self.label is not None:
            self.stream.write("", ending="\n")


class Command(BaseCommand):
    help = "Refresh the full-text search vectors of every track and transcript page."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Re-index everything, even unchanged rows.")
        parser.add_argument("--batch-size", type=int, default=200, help="Rows per statement (default 200).")
        parser.add_argument("--no-progress", action="store_true", help="Print only the summary.")

    def handle(self, *args, force=False, batch_size=200, no_progress=False, **options):
        bar = None if no_progress else ProgressBar(self.stdout)
        counts = search.rebuild_index(force=force, batch_size=batch_size, progress=bar)
        if bar:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index up to date ({search.backend().name}): "
                f"{counts['tracks']:,} tracks and {counts['pages']:,} transcript pages re-indexed."
            )
        )
