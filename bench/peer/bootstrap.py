"""Make the peer ready for the load (idempotent): the site, a public queue, a staff user with a token.

Run by setup.sh with the peer's own Python (var/peer-venv) from bench/peer/. Prints
{"queue": id, "token": key} as JSON: the queue tickets go to and the staff user's API token
(the API's ticket creation is for staff only).
"""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.sites.models import Site  # noqa: E402
from helpdesk.models import Queue  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

Site.objects.update_or_create(pk=1, defaults={"domain": "127.0.0.1", "name": "315 helpdesk (peer)"})
queue, _ = Queue.objects.update_or_create(
    slug="complaints",
    defaults={
        "title": "消费投诉",
        "allow_public_submission": True,
        "email_address": "complaints@315.example.cn",
    },
)
staff, created = get_user_model().objects.get_or_create(
    username="peer-admin", defaults={"is_staff": True, "is_superuser": True, "email": "admin@315.example.cn"}
)
if created:
    staff.set_unusable_password()
    staff.save()
token, _ = Token.objects.get_or_create(user=staff)
print(json.dumps({"queue": queue.pk, "token": token.key}))
