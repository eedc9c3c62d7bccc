"""A person who applied to enrol their merchant follows the application from their account:
the application page shows its status instead of the form again, and "My complaints" shows it
too (issue 14 item 22)."""

from merchants.models import Merchant, MerchantStatus

from .test_enrolment import APPLY, CODE, application


def test_a_pending_application_is_shown_instead_of_the_form(client, li, jiangan):
    client.force_login(li)
    client.post(APPLY, application(jiangan))

    page = client.get(APPLY).content.decode()

    assert 'id="my-applications"' in page and "Hankou Bakery" in page and "is reviewing it" in page
    # The form for another merchant is one click away, closed.
    assert '<details class="card" id="another-application">' in page
    assert '<details class="card" id="another-application" open' not in page


def test_without_a_pending_application_the_form_comes_first(client, li, jiangan):
    client.force_login(li)
    page = client.get(APPLY).content.decode()
    assert 'id="application-form"' in page and 'id="another-application"' not in page


def test_a_refused_application_shows_the_form_again_with_the_reason(client, li, jiangan):
    client.force_login(li)
    client.post(APPLY, application(jiangan))
    Merchant.objects.filter(uscc=CODE).update(status=MerchantStatus.REFUSED)
    page = client.get(APPLY).content.decode()
    assert 'id="another-application"' not in page and "You may apply again" in page


def test_my_complaints_shows_the_application_and_links_to_it(client, li, jiangan):
    client.force_login(li)
    client.post(APPLY, application(jiangan))

    page = client.get("/my/").content.decode()

    assert 'id="my-applications"' in page and "Hankou Bakery" in page
    assert f'href="{APPLY}"' in page
