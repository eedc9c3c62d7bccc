"""Email to council staff where an address is set (SPEC "Notifications": escalations and
overdue cases to the supervising council, assignments to the mediator)."""

from django.core import mail

from complaints import workflow
from complaints.models import Status
from notifications.models import NoticeStatus, Notification


def test_an_escalation_is_emailed_to_the_supervisors_with_an_address(
    case_in, supervisor, province_supervisor, sibling_supervisor, wang, django_capture_on_commit_callbacks
):
    case = case_in(Status.AWAITING_CONSUMER)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=wang, complaint_id=case.pk, action="request_mediation", message="Not enough.")

    [email] = [m for m in mail.outbox if case.case_number in m.subject]
    assert email.to == ["liu@council.example"]
    assert email.subject == f"Complaint {case.case_number} went to mediation"
    assert f"/cases/{case.pk}/" in email.body
    notice = Notification.objects.get(complaint=case, event="escalated", channel="email")
    assert (notice.recipient, notice.status, notice.address) == (supervisor, NoticeStatus.SENT, "liu@council.example")
    # The provincial supervisor has no address: told in-app only. Yichang is not told at all.
    told = Notification.objects.filter(complaint=case, event="escalated", recipient__role="supervisor")
    assert sorted((n.recipient.username, n.channel) for n in told) == [
        ("hb_supervisor", "in_app"),
        ("supervisor", "email"),
        ("supervisor", "in_app"),
    ]


def test_the_assigned_mediator_is_told_in_app_and_by_email(
    case_in, supervisor, mediator, django_capture_on_commit_callbacks
):
    case = case_in(Status.IN_MEDIATION)
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=supervisor, complaint_id=case.pk, action="assign", mediator=mediator.pk)

    [email] = mail.outbox
    assert email.to == ["sun@council.example"]
    assert email.subject == f"Complaint {case.case_number} assigned to you"
    assert "You are the mediator of complaint" in email.body
    channels = Notification.objects.filter(complaint=case, event="mediator_assigned").values_list("channel", flat=True)
    assert sorted(channels) == ["email", "in_app"]


def test_a_mediator_without_an_address_gets_no_email(case_in, supervisor, mediator, django_capture_on_commit_callbacks):
    mediator.email = ""
    mediator.save()
    case = case_in(Status.IN_MEDIATION)
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(actor=supervisor, complaint_id=case.pk, action="assign", mediator=mediator.pk)

    assert mail.outbox == []
    assert list(
        Notification.objects.filter(complaint=case, event="mediator_assigned").values_list("channel", flat=True)
    ) == ["in_app"]
