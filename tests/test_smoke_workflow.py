from complaints import workflow
from complaints.models import Status


def test_happy_path(file_complaint, wang, owner, django_capture_on_commit_callbacks):
    import sms

    with django_capture_on_commit_callbacks(execute=True):
        c = file_complaint()
    assert c.status == Status.AWAITING_MERCHANT
    assert [m.recipients for m in sms.outbox] == [["13900000001"]]
    workflow.perform(actor=owner, complaint_id=c.pk, action="respond", kind="offer", message="Sorry", remedy="refund")
    workflow.perform(actor=wang, complaint_id=c.pk, action="accept")
    workflow.perform(actor=owner, complaint_id=c.pk, action="fulfil", message="Refunded, receipt 123")
    c = workflow.perform(actor=wang, complaint_id=c.pk, action="confirm")
    assert c.outcome == "resolved"
    c = workflow.perform(actor=wang, complaint_id=c.pk, action="rate", score=5)
    assert c.satisfaction == 5
