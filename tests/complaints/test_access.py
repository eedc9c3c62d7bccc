"""Who sees which case, and which part of its timeline (complaints.access)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from complaints import deadlines, workflow
from complaints.access import complaints_visible_to, get_complaint_for, is_party, timeline_for


@pytest.fixture
def cases(file_complaint, wang, li, shop, other_shop, wuhan):
    """Wang's case against the Jiang'an shop, Li's case named against a Wuhan vendor,
    and Li's case against the Yichang shop."""
    return {
        "jiangan": file_complaint(consumer=wang, merchant=shop),
        "wuhan": file_complaint(consumer=li, merchant=None, merchant_name="Hankou Street Vendor", region=wuhan),
        "yichang": file_complaint(consumer=li, merchant=other_shop),
    }


def visible(user, cases) -> set[str]:
    pks = set(complaints_visible_to(user).values_list("pk", flat=True))
    return {name for name, case in cases.items() if case.pk in pks}


@pytest.mark.parametrize(
    "who, sees",
    [
        ("wang", {"jiangan"}),
        ("li", {"wuhan", "yichang"}),
        ("owner", {"jiangan"}),
        ("agent", {"jiangan"}),
        ("other_agent", {"yichang"}),
        ("supervisor", {"jiangan", "wuhan"}),
        ("sibling_supervisor", {"yichang"}),
        ("province_supervisor", {"jiangan", "wuhan", "yichang"}),
        ("mediator", {"jiangan", "wuhan"}),
        ("sibling_mediator", {"yichang"}),
    ],
)
def test_each_role_sees_exactly_its_cases(request, cases, who, sees):
    user = request.getfixturevalue(who)

    assert visible(user, cases) == sees
    for name, case in cases.items():
        if name in sees:
            assert get_complaint_for(user, case.pk) == case
            assert get_complaint_for(user, str(case.pk)) == case
            assert is_party(user, case)
        else:
            with pytest.raises(Http404):
                get_complaint_for(user, case.pk)
            assert not is_party(user, case)


def test_an_anonymous_visitor_sees_nothing(cases):
    assert not complaints_visible_to(AnonymousUser()).exists()
    with pytest.raises(Http404):
        get_complaint_for(AnonymousUser(), cases["jiangan"].pk)


def test_an_agent_who_moves_to_another_merchant_sees_only_the_new_merchants_cases(cases, agent, other_shop):
    agent.merchant = other_shop
    agent.save()

    assert visible(agent, cases) == {"yichang"}


@pytest.mark.parametrize("pk", ["abc", "", None, "1.5", "-1", -1, 0, 10**30, "9" * 40, "1; DROP TABLE", [1], {}])
def test_a_malformed_or_huge_case_id_is_not_found_rather_than_a_crash(cases, supervisor, pk):
    with pytest.raises(Http404):
        get_complaint_for(supervisor, pk)


def test_a_locked_read_follows_the_same_rules(cases, supervisor, sibling_supervisor):
    assert get_complaint_for(supervisor, cases["jiangan"].pk, for_update=True) == cases["jiangan"]
    with pytest.raises(Http404):
        get_complaint_for(sibling_supervisor, cases["jiangan"].pk, for_update=True)


# --- the timeline ---------------------------------------------------------------------


@pytest.fixture
def noted_case(file_complaint, wang, owner, supervisor):
    case = file_complaint()
    for actor, text, staff_only in [
        (wang, "Any news?", False),
        (supervisor, "Merchant has three similar cases.", True),
        (owner, "We think the customer dropped it.", True),
        (owner, "We are checking with the courier.", False),
    ]:
        workflow.perform(actor=actor, complaint_id=case.pk, action="message", message=text, staff_only=staff_only)
    return case


def messages_seen_by(user, case) -> list[str]:
    return [e.message for e in timeline_for(user, case) if e.kind == "message"]


def test_the_consumer_sees_neither_staff_notes_nor_the_merchant_note_for_the_council(noted_case, wang):
    assert messages_seen_by(wang, noted_case) == ["Any news?", "We are checking with the courier."]
    assert [e.kind for e in timeline_for(wang, noted_case)][0] == "filed"


@pytest.mark.parametrize("who", ["owner", "agent"])
def test_the_merchant_sees_its_own_note_for_the_council_but_not_staff_notes(request, noted_case, who):
    assert messages_seen_by(request.getfixturevalue(who), noted_case) == [
        "Any news?",
        "We think the customer dropped it.",
        "We are checking with the courier.",
    ]


@pytest.mark.parametrize("who", ["supervisor", "mediator", "province_supervisor"])
def test_council_staff_see_the_whole_timeline(request, noted_case, who):
    assert messages_seen_by(request.getfixturevalue(who), noted_case) == [
        "Any news?",
        "Merchant has three similar cases.",
        "We think the customer dropped it.",
        "We are checking with the courier.",
    ]


def test_a_passed_staff_deadline_is_noted_for_staff_only(file_complaint, unlisted_shop, wang, supervisor):
    case = file_complaint(merchant=unlisted_shop)
    deadlines.apply_deadlines(now=case.due_at + datetime.timedelta(minutes=1))

    assert "staff_deadline_passed" in [e.kind for e in timeline_for(supervisor, case)]
    assert "staff_deadline_passed" not in [e.kind for e in timeline_for(wang, case)]
