"""Make tracks' read-alongs with the configured aligner (``READ_ALONG_ALIGNER``).

    python manage.py align_track <track uuid or id> […] [--aligner dotted.Path] [--text-file F] [--queue]

By default each track is aligned here and now; ``--queue`` sends the work to the workers.
The text is the track's transcript (its own language first) unless ``--text-file`` gives it.
"""

import uuid

from django.core.management.base import BaseCommand, CommandError

from media import read_along
from retreats.models import Track


class Command(BaseCommand):
    help = "Make the read-along of tracks with the configured aligner."

    def add_arguments(self, parser):
        parser.add_argument("tracks", nargs="+", help="track uuids (the API's ids) or database ids")
        parser.add_argument("--aligner", help="dotted path of an aligner class (default: READ_ALONG_ALIGNER)")
        parser.add_argument("--text-file", help="align this UTF-8 text instead of the transcript's")
        parser.add_argument("--queue", action="store_true", help="send to the workers instead of aligning here")

    def handle(self, *args, tracks, aligner=None, text_file=None, queue=False, **options):
        if queue and (aligner or text_file):
            raise CommandError("--queue uses the configured aligner and the transcript's text.")
        text = None
        if text_file:
            try:
                with open(text_file, encoding="utf-8") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Cannot read {text_file}: {exc}") from None
        failed = 0
        for reference in tracks:
            track = self._track(reference)
            if queue:
                read_along.read_along_queue(track=track)
                self.stdout.write(f"{track}: queued")
                continue
            Track.objects.filter(pk=track.pk).update(
                read_along_status=Track.ReadAlongStatus.PENDING, read_along_error=""
            )
            if read_along.read_along_align(track_id=track.pk, aligner_path=aligner, text=text):
                track.refresh_from_db()
                self.stdout.write(self.style.SUCCESS(f"{track}: read-along {track.read_along_checksum[:12]}"))
            else:
                failed += 1
                track.refresh_from_db()
                self.stderr.write(f"{track}: {track.read_along_error}")
        if failed:
            raise CommandError(f"{failed} of {len(tracks)} tracks could not be aligned.")

    @staticmethod
    def _track(reference: str) -> Track:
        try:
            lookup = {"uuid": uuid.UUID(reference)} if not reference.isdigit() else {"pk": int(reference)}
        except ValueError:
            raise CommandError(f"{reference!r} is neither a track uuid nor an id.") from None
        track = Track.objects.filter(**lookup).first()
        if track is None:
            raise CommandError(f"No track {reference}.")
        return track
