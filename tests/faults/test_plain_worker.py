"""A worker started the way most operators type it, `celery -A mediation worker` with no `-Q`,
consumes every queue the project uses: a complaint filed through the site has its merchant
texted. Workers started with `-Q` for one queue still take only that queue."""

import pytest
import redis
import requests
from rest_framework.authtoken.models import Token

from notifications.models import NoticeStatus, Notification

from .broker_outage import complaint_body
from .stack import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def file_through(web, consumer, merchant) -> str:
    token = Token.objects.get_or_create(user=consumer)[0].key
    response = requests.post(
        f"{web.url}/api/v1/complaints/",
        json=complaint_body(merchant),
        headers={"Authorization": f"Token {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["case_number"]


def test_a_plain_worker_sends_the_sms_of_a_filed_complaint(stack, shop, wang):
    web = stack.web()
    web.start()
    worker = stack.worker(queues=None)
    worker.start()

    case = file_through(web, wang, shop)

    notice = Notification.objects.get(event="filed", channel="sms", complaint__case_number=case)
    wait_until(
        lambda: Notification.objects.filter(pk=notice.pk, status=NoticeStatus.SENT).exists(),
        "the plain worker to send the filing SMS",
        timeout=20,
    )
    assert "notices" in worker.log() and "celery" in worker.log()  # its banner lists both queues
    texts = worker.texts()
    assert len(texts) == 1 and case in texts[0] and shop.notice_phones[0] in texts[0]


def test_a_worker_dedicated_to_other_tasks_leaves_notices_to_the_notice_workers(stack, shop, wang, own_redis):
    web = stack.web()
    web.start()
    other = stack.worker("other", queues="celery")
    other.start()

    case = file_through(web, wang, shop)

    client = redis.Redis.from_url(own_redis.url)
    try:
        wait_until(lambda: client.llen("notices") == 1, "the drain task to wait in the notices queue", timeout=10)
    finally:
        client.close()
    assert Notification.objects.get(complaint__case_number=case, channel="sms").status == NoticeStatus.PENDING
    notices_only = stack.worker("notices", queues="notices")
    notices_only.start()
    wait_until(
        lambda: Notification.objects.filter(complaint__case_number=case, status=NoticeStatus.SENT).exists(),
        "the notices worker to send it",
        timeout=20,
    )
    assert other.drained() == [] and other.task_results("notifications.tasks.send_notification") == []
