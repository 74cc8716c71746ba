from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from compat import dataset


class Command(BaseCommand):
    help = (
        'Seed the mobile app\'s end-to-end data set (docs/compat-api.md "Test support"): six users, '
        "one gathering per audience, one group. Only with COMPAT_TEST_SUPPORT on; safe to run again."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION or not settings.COMPAT_TEST_SUPPORT:
            raise CommandError("seed_app_e2e runs only with COMPAT_TEST_SUPPORT=true, never in production.")
        ids = dataset.seed()
        for code, event in ids["events"].items():
            self.stdout.write(f"{code}: event {event['eventId']}, tracks {event['trackIds']}")
        self.stdout.write(self.style.SUCCESS("E2E data set in place."))
