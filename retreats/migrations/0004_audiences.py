"""Audiences replace the three visibilities (docs/architecture.md "The access rule").

The six audiences are seeded here; each gathering's visibility maps onto one of them
(``public`` -> free-anyone, ``members`` -> retreat-group-members, ``subscribers`` ->
free-subscribers) before the column goes. Attendance records who attended a gathering or was
granted access to it by staff.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

AUDIENCES = [
    ("free-anyone", "Free for anyone", "Livre para todos", 1),
    ("free-subscribers", "Free for subscribers", "Livre para assinantes", 2),
    ("retreat-group-members", "Retreat group members", "Membros do grupo de retiros", 3),
    ("event-participants", "Event participants", "Participantes do evento", 4),
    ("available-on-request-only", "Available on request only", "Disponível apenas a pedido", 5),
    ("received-initiation", "Received the initiation", "Receberam a iniciação", 6),
]

VISIBILITY_TO_AUDIENCE = {
    "public": "free-anyone",
    "members": "retreat-group-members",
    "subscribers": "free-subscribers",
}


def seed_audiences(apps, schema_editor):
    Audience = apps.get_model("retreats", "Audience")
    for slug, name, name_pt, order in AUDIENCES:
        Audience.objects.update_or_create(slug=slug, defaults={"name": name, "name_pt": name_pt, "order": order})


def map_visibility(apps, schema_editor):
    Retreat = apps.get_model("retreats", "Retreat")
    for visibility, audience in VISIBILITY_TO_AUDIENCE.items():
        Retreat.objects.filter(visibility=visibility).update(audience_id=audience)


def map_audience_back(apps, schema_editor):
    Retreat = apps.get_model("retreats", "Retreat")
    for visibility, audience in VISIBILITY_TO_AUDIENCE.items():
        Retreat.objects.filter(audience_id=audience).update(visibility=visibility)
    # The audiences with no visibility of their own close to the narrowest one.
    Retreat.objects.exclude(audience_id__in=VISIBILITY_TO_AUDIENCE.values()).update(visibility="members")


class Migration(migrations.Migration):
    dependencies = [
        ("retreats", "0003_transcript_checksum"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Audience",
            fields=[
                ("slug", models.SlugField(max_length=32, primary_key=True, serialize=False, verbose_name="slug")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("name_pt", models.CharField(blank=True, max_length=100, verbose_name="name (Portuguese)")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
            ],
            options={
                "verbose_name": "audience",
                "verbose_name_plural": "audiences",
                "ordering": ["order", "slug"],
            },
        ),
        migrations.RunPython(seed_audiences, migrations.RunPython.noop),
        migrations.AddField(
            model_name="retreat",
            name="audience",
            field=models.ForeignKey(
                default="retreat-group-members",
                help_text="Who may play it once published.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="gatherings",
                to="retreats.audience",
                verbose_name="audience",
            ),
        ),
        migrations.RunPython(map_visibility, map_audience_back),
        migrations.RemoveConstraint(
            model_name="retreat",
            name="retreat_visibility_valid",
        ),
        migrations.RemoveField(
            model_name="retreat",
            name="visibility",
        ),
        migrations.AlterField(
            model_name="retreat",
            name="required_plan",
            field=models.CharField(
                choices=[("basic", "Basic"), ("premium", "Premium")],
                default="basic",
                help_text="Where a subscription is asked for: the lowest plan that may play it.",
                max_length=8,
                verbose_name="required plan",
            ),
        ),
        migrations.CreateModel(
            name="Attendance",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "source",
                    models.CharField(
                        choices=[("attended", "Attended"), ("granted", "Granted by staff"), ("imported", "Imported")],
                        default="attended",
                        max_length=8,
                        verbose_name="source",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "gathering",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attendances",
                        to="retreats.retreat",
                        verbose_name="gathering",
                    ),
                ),
                (
                    "granted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="granted by",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attendances",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "attendance or grant",
                "verbose_name_plural": "attendance and grants",
                "ordering": ["-created"],
                "indexes": [models.Index(fields=["gathering", "source"], name="attendance_gathering_source")],
                "constraints": [
                    models.UniqueConstraint(fields=("user", "gathering", "source"), name="attendance_unique_source"),
                    models.CheckConstraint(
                        condition=models.Q(("source__in", ["attended", "granted", "imported"])),
                        name="attendance_source_valid",
                    ),
                ],
            },
        ),
    ]
