"""The unified social credit code (GB 32100-2015): 18 characters, the last a check character."""

import pytest
from stdnum.cn import uscc

from mediation.errors import InvalidInput
from merchants import enrolment
from merchants.forms import ApplicationForm

from .conftest import corrupt, make_uscc

# Real-format codes: registration authority and type, 6-digit region code, 9-character
# organisation code; each completed with its computed check character.
BODIES = [
    "91420100MA4K2L3X7",  # a company registered in Wuhan
    "92420102MA4KXH5P2",  # a sole trader in Jiang'an district
    "91110000100000000",  # a Beijing company with a numeric organisation code
    "12100000400000000",  # a public institution
]


@pytest.mark.parametrize("body", BODIES)
def test_a_code_with_its_computed_check_character_is_accepted(body):
    code = make_uscc(body)
    assert uscc.is_valid(code)
    assert enrolment.clean_uscc(code) == code


@pytest.mark.parametrize("body", BODIES)
def test_a_corrupted_check_character_is_refused(body):
    with pytest.raises(InvalidInput) as caught:
        enrolment.clean_uscc(corrupt(make_uscc(body)))
    assert "uscc" in caught.value.fields


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "91420100MA4K2L3X",  # 16 characters
        "91420100MA4K2L3X7" + "00",  # 19 characters
        "9142010OMA4K2L3X7Z",  # a letter O where only digits are allowed
        "91420100MA4K2L3XI7",  # I is not in the code's alphabet
        "' OR 1=1 --",
        "\x00" * 18,
    ],
)
def test_malformed_codes_are_refused(raw):
    with pytest.raises(InvalidInput):
        enrolment.clean_uscc(raw)


def application(region, **fields):
    data = {"name": "Hankou Bakery", "sector": "catering", "region": region.pk, "notice_phones": "13900000077"}
    return {**data, **fields}


def test_the_application_form_accepts_a_code_typed_in_lower_case_with_spaces(jiangan):
    code = make_uscc("91420100MA4K2L3X7")
    spaced = f" {code[:6].lower()} {code[6:].lower()} "
    form = ApplicationForm(application(jiangan, uscc=spaced))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["uscc"] == code


def test_the_application_form_refuses_a_wrong_check_character(jiangan):
    code = corrupt(make_uscc("91420100MA4K2L3X7"))
    form = ApplicationForm(application(jiangan, uscc=code))
    assert not form.is_valid()
    assert form.errors["uscc"] == ["Enter a valid 18-character unified social credit code."]
