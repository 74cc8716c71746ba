from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_move_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="localcredentials",
            name="mfa_pending_secret",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
