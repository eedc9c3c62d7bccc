"""Operators correct a complaint's words and facts through one service, from the admin too:
the search finds the new text, the priority follows, and the audit log names who changed what."""

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from complaints.models import Complaint
from complaints.services import correct_complaint
from mediation.errors import InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator", "op@example.cn", "x-admin-pass-123")


def queue_finds(client, supervisor, needle) -> str:
    """The case numbers of the staff queue page searched for `needle`, as one string."""
    client.force_login(supervisor)
    response = client.get(reverse("supervision:queue"), {"q": needle})
    assert response.status_code == 200
    return response.content.decode()


def admin_edit(client, operator, complaint, **changes):
    """Post the admin change form as an operator would, with the complaint's current values
    and `changes`; the read-only timeline and evidence inlines post no rows."""
    client.force_login(operator)
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {name: page.context["adminform"].form[name].value() or "" for name in page.context["adminform"].form.fields}
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    return response


def test_an_admin_correction_is_found_by_the_queue_search_and_audited(client, operator, supervisor, file_complaint):
    complaint = file_complaint(title="Phone screen cracked on arrival", order_number="TB-0001")
    case = complaint.case_number
    assert case not in queue_finds(client, supervisor, "屏幕碎裂")

    admin_edit(client, operator, complaint, title="屏幕碎裂，要求退款", order_number="JD-777123")

    assert case in queue_finds(client, supervisor, "屏幕碎裂")
    assert case in queue_finds(client, supervisor, "JD-777123")
    assert case not in queue_finds(client, supervisor, "Phone screen")
    entry = AuditEntry.objects.get(action="complaint.correct")
    assert entry.actor == operator
    assert (entry.object_type, entry.object_id) == ("complaint", str(complaint.pk))
    assert entry.extra == {
        "case_number": case,
        "title": {"old": "Phone screen cracked on arrival", "new": "屏幕碎裂，要求退款"},
        "order_number": {"old": "TB-0001", "new": "JD-777123"},
    }


def test_an_admin_save_without_changes_writes_no_audit_entry(client, operator, file_complaint):
    complaint = file_complaint()
    admin_edit(client, operator, complaint)
    assert not AuditEntry.objects.filter(action="complaint.correct").exists()


def test_a_correction_refreshes_the_search_terms_and_the_priority(operator, file_complaint):
    complaint = file_complaint(category="quality", description="The battery got hot.")
    assert "safety" not in complaint.priority_reasons

    correct_complaint(actor=operator, complaint_id=complaint.pk, category="safety", description="电池起火冒烟")

    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.description == "电池起火冒烟"
    assert {"起火", "冒烟"} <= set(complaint.search_terms.split())
    assert "bat" not in complaint.search_terms.split()
    assert "safety" in complaint.priority_reasons
    entry = AuditEntry.objects.get(action="complaint.correct")
    assert entry.actor == operator
    assert set(entry.extra) == {"case_number", "category", "description"}
    assert entry.extra["category"] == {"old": "quality", "new": "safety"}


def test_only_the_changed_fields_are_logged(operator, file_complaint):
    complaint = file_complaint(title="Cracked screen")
    correct_complaint(actor=operator, complaint_id=complaint.pk, title="Cracked screen", platform="Taobao")
    assert AuditEntry.objects.get(action="complaint.correct").extra == {
        "case_number": complaint.case_number,
        "platform": {"old": "", "new": "Taobao"},
    }


def test_a_consumer_or_supervisor_may_not_correct_a_complaint(wang, supervisor, file_complaint):
    complaint = file_complaint(title="Cracked screen")
    for person in (wang, supervisor):
        with pytest.raises(NotAllowed):
            correct_complaint(actor=person, complaint_id=complaint.pk, title="Something else")
    assert Complaint.objects.get(pk=complaint.pk).title == "Cracked screen"
    assert not AuditEntry.objects.filter(action="complaint.correct").exists()


def test_a_correction_is_checked_like_the_model_fields(operator, file_complaint):
    complaint = file_complaint()
    with pytest.raises(InvalidInput) as refused:
        correct_complaint(actor=operator, complaint_id=complaint.pk, category="no-such-category")
    assert "category" in refused.value.fields
    with pytest.raises(TypeError):
        correct_complaint(actor=operator, complaint_id=complaint.pk, status="closed")
    assert not AuditEntry.objects.filter(action="complaint.correct").exists()
