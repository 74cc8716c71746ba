"""Plan, then import, the community's archive: ``manage.py import_archive --csv export.csv
--s3-prefix s3://bucket/mediateca/`` (or ``--folder DIR``). A dry run unless ``--apply``;
the same command run again continues where a crash or Ctrl-C stopped it (docs/import.md)."""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from media import archive
from media.archive_csv import read_csv


class Command(BaseCommand):
    help = "Plan (the default) or apply the import of the archive's folders and its CSV export."

    def add_arguments(self, parser):
        parser.add_argument("--csv", required=True, help="The old website's export (62 columns).")
        parser.add_argument("--s3-prefix", default="", help="s3://bucket/prefix/, or a prefix in the media bucket.")
        parser.add_argument("--folder", default="", help="A local folder holding the archive.")
        parser.add_argument("--apply", action="store_true", help="Import what the plan says (as drafts).")
        parser.add_argument("--json", default="", help="Write the full report as JSON to this file.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")

    def handle(self, *args, **options):
        try:
            source = archive.source_for(s3_prefix=options["s3_prefix"], folder=options["folder"])
            with open(options["csv"], encoding="utf-8-sig", newline="") as fh:
                rows, errors = read_csv(fh.read())
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        report_file = open(options["json"], "w", encoding="utf-8") if options["json"] else None  # noqa: SIM115
        first = True
        started = time.monotonic()

        def gathering(plan: archive.GatheringPlan) -> None:
            nonlocal first
            if report_file is None:
                return
            report_file.write(("" if first else ",\n") + json.dumps(plan.as_dict(), ensure_ascii=False))
            first = False

        def progress(state: archive.Progress) -> None:
            if options["no_progress"] or not options["apply"]:
                return
            total = max(state.gatherings_total, 1)
            width = 30
            filled = int(width * state.gatherings_done / total)
            rate = state.files_done / max(time.monotonic() - started, 1e-6)
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {state.gatherings_done}/{state.gatherings_total}"
                f" gatherings, {state.files_done} files, {rate:.0f} files/s"
            )
            sys.stderr.flush()

        if report_file is not None:
            report_file.write('{"plans": [\n')
        try:
            report, applied = archive.run(
                source=source, rows=rows, csv_errors=errors, apply=options["apply"],
                on_gathering=gathering, on_progress=progress,
            )  # fmt: skip
        except KeyboardInterrupt:
            sys.stderr.write("\nInterrupted: run the same command again to continue.\n")
            raise SystemExit(130) from None
        finally:
            if report_file is not None and sys.exc_info()[0] is not None:
                report_file.close()
        if report_file is not None:
            summary = report.as_dict()
            if options["apply"]:
                summary["applied"] = applied.__dict__
            report_file.write("\n],\n" + json.dumps(summary, ensure_ascii=False)[1:])
            report_file.close()
        if options["apply"] and not options["no_progress"]:
            sys.stderr.write("\n")
        self.stdout.write(report.text())
        if options["apply"]:
            self.stdout.write(
                f"\nImported {applied.imported} files ({applied.gatherings_created} new gatherings, as drafts); "
                f"{applied.already} were imported before, {applied.duplicates} duplicates and "
                f"{applied.skipped} skipped."
            )
        else:
            self.stdout.write("\nDry run: nothing was written. Add --apply to import.")
