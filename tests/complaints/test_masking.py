"""Consumer contact data as each viewer may see it (SPEC "People and what each may see")."""

import pytest

from complaints import deadlines, workflow
from complaints.access import actor_name_for, consumer_contact_for, mask_name, mask_phone

FULL = ("王小明", "13800138000", False)
MASKED = ("王*", "138****8000", True)


def contact(user, case):
    c = consumer_contact_for(user, case)
    return (c.name, c.phone, c.masked)


@pytest.mark.parametrize("share_contact", [False, True])
def test_an_agent_always_sees_the_consumer_masked(file_complaint, agent, share_contact):
    case = file_complaint(share_contact=share_contact)

    assert contact(agent, case) == MASKED


def test_the_owner_sees_the_consumer_masked_without_consent(file_complaint, owner):
    case = file_complaint(share_contact=False)

    assert contact(owner, case) == MASKED


def test_the_owner_sees_full_contact_data_where_the_consumer_consented(file_complaint, owner):
    case = file_complaint(share_contact=True)

    assert contact(owner, case) == FULL


@pytest.mark.parametrize("who", ["wang", "supervisor", "mediator", "province_supervisor"])
@pytest.mark.parametrize("share_contact", [False, True])
def test_the_consumer_and_council_staff_see_full_contact_data(request, file_complaint, who, share_contact):
    case = file_complaint(share_contact=share_contact)

    assert contact(request.getfixturevalue(who), case) == FULL


def test_the_masked_name_does_not_reveal_its_length():
    assert mask_name("王小明") == mask_name("王明") == "王*"
    assert mask_name("欧阳娜娜") == "欧*"
    assert mask_name("  ") == ""


@pytest.mark.parametrize(
    "phone, masked",
    [("13800138000", "138****8000"), ("13912345678", "139****5678"), ("", ""), ("12345", "*****")],
)
def test_a_masked_phone_keeps_only_its_prefix_and_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.fixture
def answered_case(file_complaint, owner, wang):
    case = file_complaint()
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")
    workflow.perform(actor=wang, complaint_id=case.pk, action="reject", message="Please look again.")
    return case


def actor_names(viewer, case):
    return [actor_name_for(viewer, e, case) for e in case.events.order_by("created_at", "id")]


def test_the_timeline_masks_the_consumer_name_for_the_agent(answered_case, agent):
    assert actor_names(agent, answered_case) == ["王*", "Zhang Owner", "王*"]


def test_the_timeline_shows_the_consumer_name_to_the_consumer_and_staff(answered_case, wang, supervisor):
    assert actor_names(wang, answered_case) == ["王小明", "Zhang Owner", "王小明"]
    assert actor_names(supervisor, answered_case) == ["王小明", "Zhang Owner", "王小明"]


def test_the_timeline_names_the_system_for_deadline_moves(answered_case, agent):
    deadlines.apply_deadlines(now=answered_case.settle_by.replace(year=answered_case.settle_by.year + 1))

    assert actor_names(agent, answered_case)[-1] == "System"
