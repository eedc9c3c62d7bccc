"""Helpers for the merchants suite: real-format credit codes, cases brought to a state."""

import re

import pytest
import sms
from stdnum.cn import uscc

from complaints import workflow


def make_uscc(body17: str) -> str:
    """A unified social credit code with its GB 32100-2015 check character."""
    return body17 + uscc.calc_check_digit(body17)


def corrupt(code: str) -> str:
    """The same code with a different, wrong check character."""
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong


def last_sms_code(phone: str) -> str:
    bodies = [m.body for m in sms.outbox if phone in m.recipients]
    assert bodies, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", bodies[-1]).group(1)


def step(actor, case, action, **payload):
    return workflow.perform(actor=actor, complaint_id=case.pk, action=action, **payload)


@pytest.fixture
def answered_case(file_complaint, owner):
    """A case the merchant answered with an offer (awaiting the consumer)."""

    def _case(**fields):
        case = file_complaint(**fields)
        return step(owner, case, "respond", kind="offer", message="We refund in full.", remedy="refund")

    return _case
