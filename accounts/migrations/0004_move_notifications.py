# The notification models moved to the ``notifications`` app (its 0001 takes them over with the
# same tables). State only: the tables, their rows, constraints and indexes stay as they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_notifications'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Notification'),
                migrations.DeleteModel(name='NotificationEvent'),
                migrations.DeleteModel(name='LocalPush'),
                migrations.DeleteModel(name='PushEndpoint'),
                migrations.DeleteModel(name='DigestSubscription'),
            ],
            database_operations=[],
        ),
    ]
