"""Who before what on the case page, for every action form: a case the user may not see is 404,
a role that may never do the action is told so, a state that does not allow it is told what the
case is now, and only then are the form's fields checked. Every answer but the 404 is the case
page (a redirect from the action's address)."""

import html

import pytest

from complaints.actions import ACTIONS
from complaints.models import Status
from tests.api.test_action_check_order import ROWS, case_at, snapshot

REFUSED_ROLE = "“{label}” is not open to your role on this case."
NO_LONGER = "“{label}” is no longer possible: the case is now “{status}”."
CORRECT = "Please correct the marked fields of “{label}”."


@pytest.fixture
def bring(case_in, supervisor, mediator):
    def _bring(state):
        return case_at(state, case_in=case_in, supervisor=supervisor, mediator=mediator)

    return _bring


def post_form(client, person, case, action, fields):
    client.force_login(person)
    data = {f"{action}-{k}": v for k, v in fields.items()}
    return client.post(f"/cases/{case.pk}/act/{action}/", data, follow=True)


def shows_the_case_page(response, case, action) -> bool:
    return response.status_code == 200 and response.redirect_chain == [(f"/cases/{case.pk}/#action-{action}", 302)]


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def label(action) -> str:
    return str(ACTIONS[action].label)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.action)
def test_a_case_the_user_may_not_see_is_404(client, bring, li, row):
    case = bring(row.possible)
    before = snapshot(case)

    response = post_form(client, li, case, row.action, row.page_bad or {})

    assert response.status_code == 404
    assert snapshot(case) == before


@pytest.mark.parametrize("state", ["possible", "wrong"])
@pytest.mark.parametrize("row", [r for r in ROWS if r.never], ids=lambda r: r.action)
def test_a_role_that_may_never_do_the_action_is_told_so_before_the_form_is_checked(client, request, bring, row, state):
    case = bring(getattr(row, state))
    before = snapshot(case)

    response = post_form(client, request.getfixturevalue(row.never), case, row.action, row.page_bad or {})

    assert shows_the_case_page(response, case, row.action)
    text = text_of(response)
    assert REFUSED_ROLE.format(label=label(row.action)) in text
    assert CORRECT.format(label=label(row.action)) not in text
    assert "This field is required." not in text
    assert snapshot(case) == before


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.action)
def test_an_action_the_state_does_not_allow_is_no_longer_possible_before_the_form_is_checked(
    client, request, bring, row
):
    case = bring(row.wrong)
    before = snapshot(case)

    response = post_form(client, request.getfixturevalue(row.right), case, row.action, {})

    assert shows_the_case_page(response, case, row.action)
    text = text_of(response)
    assert NO_LONGER.format(label=label(row.action), status=Status(case.status).label) in text
    assert CORRECT.format(label=label(row.action)) not in text
    assert "This field is required." not in text
    assert snapshot(case) == before


@pytest.mark.parametrize("row", [r for r in ROWS if r.page_bad is not None], ids=lambda r: r.action)
def test_the_right_role_in_the_right_state_sees_the_form_errors(client, request, bring, row):
    case = bring(row.possible)
    before = snapshot(case)

    response = post_form(client, request.getfixturevalue(row.right), case, row.action, row.page_bad)

    assert shows_the_case_page(response, case, row.action)
    text = text_of(response)
    assert CORRECT.format(label=label(row.action)) in text
    assert f'data-action="{row.action}"' in text
    assert snapshot(case) == before


def test_every_action_form_can_be_refused_on_the_page(request, bring):
    """Accepting an offer asks once too (the terms box), so no page form is a bare button."""
    from complaints.actions import action_form

    case = bring(Status.AWAITING_MERCHANT)
    for row in ROWS:
        form = action_form(row.action, user=request.getfixturevalue(row.right), complaint=case)
        assert form.fields and row.page_bad is not None, row.action


def test_a_consumer_marking_a_settlement_carried_out_is_refused_not_asked_for_a_message(client, wang, bring):
    """The issue's example, on the page."""
    case = bring(Status.SETTLED)
    before = snapshot(case)

    response = post_form(client, wang, case, "fulfil", {})

    assert shows_the_case_page(response, case, "fulfil")
    assert "“Mark as carried out” is not open to your role on this case." in text_of(response)
    assert snapshot(case) == before
