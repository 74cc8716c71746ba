from django.apps import AppConfig


class PadmakaraConfig(AppConfig):
    name = "padmakara"
    verbose_name = "Padmakara"
