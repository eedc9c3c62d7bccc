"""Notice types are declared once each, by the app that sends them, with a label, a subject
and a text in both languages; every notice the code writes names a declared type."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from merchants.models import MerchantDecision, ViolationStatus
from notifications.models import Channel
from notifications.types import NoticeType, UnknownNoticeType, declare, declared_types, label_of, notice_type

ROOT = Path(settings.BASE_DIR)
APPS = "accounts audit complaints mediation merchants notifications portal privacy routes supervision".split()
# Notice names built in an f-string: the prefix and the choices that complete it.
COMPLETED_BY = {"merchant_": MerchantDecision.Decision, "violation_": ViolationStatus}
CASE_AUDIENCES = {"merchant_phones", "merchant_users", "consumer", "mediator", "supervisors", "other_parties"}


def _names(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        prefix = node.values[0].value
        assert prefix in COMPLETED_BY, f"teach this test which names f{prefix!r}... makes"
        return [prefix + value for value in COMPLETED_BY[prefix].values]
    return []


def _notice_exprs(node: ast.AST) -> list[ast.expr]:
    """Where a notice is named: the notice argument of notify and queue_user_notice, `event=` and
    `notice=` arguments and defaults, `notices=(...)` of a declared action, `x.event == "..."`."""
    exprs: list[ast.expr] = []
    if isinstance(node, ast.Call):
        func = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if func in ("notify", "_notify") and len(node.args) > 2:
            exprs.append(node.args[2])
        if func == "queue_user_notice" and len(node.args) > 1:
            exprs.append(node.args[1])
        for kw in node.keywords:
            if kw.arg in ("event", "notice"):
                exprs.append(kw.value)
            if kw.arg == "notices" and isinstance(kw.value, ast.Tuple | ast.List):
                exprs += kw.value.elts
    elif isinstance(node, ast.FunctionDef):
        positional = node.args.posonlyargs + node.args.args
        args = node.args.kwonlyargs + positional[len(positional) - len(node.args.defaults) :]
        defaults = node.args.kw_defaults + node.args.defaults
        exprs += [d for a, d in zip(args, defaults, strict=True) if a.arg == "notice" and d is not None]
    elif isinstance(node, ast.Compare) and getattr(node.left, "attr", "") == "event":
        exprs += node.comparators
    return exprs


def notice_names_in_code() -> dict[str, list[str]]:
    """Each notice name the apps write or look for, with where."""
    found: dict[str, list[str]] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                for expr in _notice_exprs(node):
                    for name in _names(expr):
                        found.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_notice_the_code_writes_is_declared():
    used = notice_names_in_code()
    assert len(used) >= 20  # the scan finds the calls (a renamed function would find none)
    missing = {name: where for name, where in used.items() if name not in {t.name for t in declared_types()}}
    assert missing == {}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_type_is_declared_once_with_a_label_a_subject_and_a_text(language):
    types = declared_types()
    assert len({t.name for t in types}) == len(types)
    for notice in types:
        assert notice_type(notice.name) is notice
        values = {name: "x" for name in notice.template_params()}
        subject, body, _params = notice.render(language, values)
        assert str(notice.label) and subject and body, notice.name
        assert label_of(notice.name) == str(notice.label)


def test_a_case_notice_names_the_case_and_goes_to_known_audiences_on_known_channels():
    case_notices = [t for t in declared_types() if t.audiences]
    assert {t.name for t in case_notices} >= {"filed", "closed", "reminder", "violation_reported"}
    for notice in case_notices:
        assert "case" in notice.template_params(), notice.name
        for audience, channels in notice.audiences:
            assert audience in CASE_AUDIENCES
            assert set(channels) <= set(Channel.values)


def test_the_councils_refusal_sends_the_closing_notice_and_no_notice_of_its_own():
    with pytest.raises(UnknownNoticeType):
        notice_type("rejected")
    assert "outcome" in notice_type("closed").template_params()


def test_a_name_declared_twice_is_refused():
    filed = notice_type("filed")
    copy = NoticeType(name="filed", label=_("New complaint"), subject=filed.subject, body=filed.body)

    with pytest.raises(ValueError, match="'filed' is declared twice"):
        declare(copy)

    assert notice_type("filed") is filed


def test_an_unknown_name_is_a_clear_error_and_an_old_row_still_has_a_label():
    with pytest.raises(UnknownNoticeType, match="no notice type 'fild' is declared"):
        notice_type("fild")
    assert label_of("long_gone") == "long gone"


def test_the_sms_template_parameters_follow_the_english_text():
    assert notice_type("filed").template_params() == ["case", "deadline", "link"]
    assert notice_type("login_code").template_params() == ["code"]
