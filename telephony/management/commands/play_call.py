from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from telephony.local import play_call


class Command(BaseCommand):
    help = (
        "Play a call through the local privacy-number gateway: print the callback it would send "
        "(or --post it to SITE_URL's /api/v1/calls/callback/local/)."
    )

    def add_arguments(self, parser):
        parser.add_argument("middle_number")
        parser.add_argument("caller", help="the phone number that dials the middle number")
        parser.add_argument("--missed", action="store_true", help="nobody answered")
        parser.add_argument("--duration", type=int, default=60, help="seconds talked")
        parser.add_argument("--post", action="store_true", help="send the callback to the site")

    def handle(self, *args, **options):
        if not settings.CALL_CALLBACK_SECRET:
            raise CommandError("Set CALL_CALLBACK_SECRET: callbacks are signed with it.")
        try:
            body, headers = play_call(
                middle_number=options["middle_number"],
                caller=options["caller"],
                answered=not options["missed"],
                duration=options["duration"],
            )
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if not options["post"]:
            self.stdout.write(body.decode())
            return
        import requests

        url = settings.SITE_URL.rstrip("/") + "/api/v1/calls/callback/local/"
        response = requests.post(url, data=body, headers=headers, timeout=10)
        self.stdout.write(f"{response.status_code} {response.text}")
