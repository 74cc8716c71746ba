import shutil

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import catalogue as demo


class Command(BaseCommand):
    help = (
        "Fill a fresh database with a small demo catalogue (generated audio and PDF transcripts), "
        "an admin and demo listeners. Safe to run again: existing rows are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=demo.DEMO_PASSWORD,
            help="Password for the admin and the listeners created by this run (default: %(default)s).",
        )

    def handle(self, *args, password, **options):
        # A superuser with a published password must never reach a real deployment.
        if settings.PRODUCTION:
            raise CommandError("demo_content refuses to run with PADMAKARA_ENV=production.")
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            self.stderr.write(
                self.style.WARNING("ffmpeg not found: demo audio is written as WAV by Python's wave module.")
            )
        report = demo.load_demo_content(ffmpeg=ffmpeg, admin_password=password, listener_password=password)

        if report.changed:
            made = ", ".join(f"{count} {what}" for what, count in report.created.items() if count)
            self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {made}."))
        else:
            self.stdout.write("Demo content already in place: nothing changed.")

        self.stdout.write("")
        for role, email in [("Admin (/admin/)", demo.ADMIN_EMAIL)] + [
            ("Listener", spec["email"]) for spec in demo.LISTENERS
        ]:
            shown = password if email in report.new_accounts else "(existing account: password left unchanged)"
            self.stdout.write(f"{role + ':':17} {email}  {shown}")
        if settings.ADMIN_REQUIRE_MFA:
            # Off with DEBUG (make run); on elsewhere: the admin asks for a code too.
            self.stdout.write(
                "The admin asks for two-step verification (ADMIN_REQUIRE_MFA): at the first sign-in, "
                "scan the QR code it shows with an authenticator app. DEBUG=1 turns it off for a demo."
            )
