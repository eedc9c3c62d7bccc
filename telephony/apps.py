from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = "Privacy numbers"
