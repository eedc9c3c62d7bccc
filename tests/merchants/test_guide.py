"""The rights guide page and the complaint form's category guidance (SPEC "Guidance for consumers")."""

import pytest

from complaints.guidance import ART_55, GUIDANCE, KEEP_EVIDENCE, SEVEN_DAYS
from complaints.models import Category


def test_the_guide_renders_for_anyone_with_the_rules_it_cites(client, db):
    response = client.get("/guide/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "7 days" in text and "art. 25" in text
    assert "3 times the price" in text and "at least 500 CNY" in text and "art. 55" in text
    assert "screenshots of the listing" in text
    for _value, label in Category.choices:
        assert str(label) in text


def test_the_guide_is_linked_from_the_footer_and_the_complaint_form(client, wang):
    assert 'href="/guide/"' in client.get("/stats/").content.decode()
    client.force_login(wang)
    assert 'href="/guide/"' in client.get("/my/new/").content.decode()


def test_every_category_tells_which_evidence_to_keep():
    for category in Category.values:
        points = [str(p) for p in GUIDANCE[category]]
        assert any("Keep" in p or "keep" in p or "Photograph" in p or "Write down" in p for p in points), category


@pytest.mark.parametrize("category", [Category.AFTER_SALES, Category.QUALITY, Category.DELIVERY, Category.OTHER])
def test_purchase_categories_cite_the_7_day_return_rule(category):
    assert SEVEN_DAYS in GUIDANCE[category]


@pytest.mark.parametrize("category", [Category.FALSE_ADVERTISING, Category.PRICE, Category.QUALITY])
def test_fraud_prone_categories_cite_article_55(category):
    assert ART_55 in GUIDANCE[category]
    assert KEEP_EVIDENCE in GUIDANCE[category]
