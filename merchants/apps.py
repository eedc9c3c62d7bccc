from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "merchants"

    def ready(self) -> None:
        from . import notices  # noqa: F401 - declares the notice types of enrolment and the team
