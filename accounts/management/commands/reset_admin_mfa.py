"""Reset a staff member's two-step verification for the admin, from the shell: the way back in
when no superuser can sign in to do it from the user admin (the last superuser lost their phone).

    python manage.py reset_admin_mfa someone@example.org

Their admin devices are deleted and their verified sessions end; the next sign-in with the
password leads to the admin's two-step page to set it up again. The app's own two-step
verification is not touched.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User
from accounts.providers import canonical_email
from padmakara.errors import DomainError


class Command(BaseCommand):
    help = "Reset a staff member's two-step verification for the admin (they set it up again at their next sign-in)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="the staff member's email")

    def handle(self, *args, email, **options):
        try:
            user = User.objects.get(email=canonical_email(email))
        except (DomainError, User.DoesNotExist) as exc:
            raise CommandError(f"No user with the email {email!r}.") from exc
        try:
            services.admin_mfa_reset(user=user)
        except DomainError as exc:
            raise CommandError(f"{user.email}: {exc.message}") from exc
        self.stdout.write(
            f"Two-step verification for the admin reset for {user.email}: "
            "they set it up again at their next sign-in with the password."
        )
