"""A walk through the API contract (shared/API.md) as its clients use it:
a consumer files, the merchant answers, they settle, the consumer confirms and rates;
with the refusals each person meets on the way."""

import pytest
from django.urls import URLPattern

from complaints.models import Complaint
from routes import api_urls
from tests.conftest import PROOF


def url(case_id, action=""):
    return f"/api/v1/complaints/{case_id}/" + (f"{action}/" if action else "")


def test_file_respond_accept_fulfil_confirm_rate(
    api, wang, owner, agent, other_agent, supervisor, sibling_supervisor, shop, django_capture_on_commit_callbacks
):
    import sms

    # The consumer files; the merchant's notice phone gets an SMS.
    bad = api.as_(wang).post("/api/v1/complaints/", {"merchant": shop.pk, "category": "quality"}, format="json")
    assert bad.status_code == 400
    assert {"channel", "title", "description"} <= set(bad.json())
    with django_capture_on_commit_callbacks(execute=True):
        filed = api.post(
            "/api/v1/complaints/",
            {
                "merchant": shop.pk,
                "category": "quality",
                "channel": "ecommerce",
                "platform": "Taobao",
                "order_number": "TB-1",
                "amount": "2999.00",
                "demands": ["refund"],
                "title": "Phone screen cracked on arrival",
                "description": "The screen was cracked when I opened the box.",
                "share_contact": False,
            },
            format="json",
        )
    assert filed.status_code == 201
    case = filed.json()
    assert case["status"] == "awaiting_merchant"
    assert [m.recipients for m in sms.outbox] == [["13900000001"]]

    # The agent sees the case, with the consumer masked.
    seen = api.as_(agent).get(url(case["id"])).json()
    assert seen["consumer"]["masked"] is True
    assert seen["consumer"]["phone"] == "138****8000"
    assert "王小明" not in str(seen) and "13800138000" not in str(seen)
    assert seen["allowed_actions"] == ["respond", "message"]

    # Another merchant's agent and a sibling city's supervisor cannot find it.
    assert api.as_(other_agent).get(url(case["id"])).status_code == 404
    assert api.as_(sibling_supervisor).get(url(case["id"])).status_code == 404
    assert api.as_(other_agent).post(url(case["id"], "message"), {"message": "Hi"}, format="json").status_code == 404

    # The consumer may not accept before there is an offer: 409 with what is allowed.
    early = api.as_(wang).post(url(case["id"], "accept"), {}, format="json")
    assert early.status_code == 409
    assert early.json()["status"] == "awaiting_merchant"
    assert early.json()["allowed_actions"] == ["withdraw", "message", "report_violation"]

    # A supervisor may never answer for the merchant: 403.
    assert (
        api.as_(supervisor)
        .post(url(case["id"], "respond"), {"kind": "decline", "message": "No"}, format="json")
        .status_code
        == 403
    )

    # The owner answers with an offer; a malformed one first.
    api.as_(owner)
    malformed = api.post(
        url(case["id"], "respond"), {"kind": "offer", "message": "Sorry", "offer_amount": "-1"}, format="json"
    )
    assert malformed.status_code == 400
    assert "offer_amount" in malformed.json()
    offered = api.post(
        url(case["id"], "respond"),
        {"kind": "offer", "message": "We refund in full.", "remedy": "refund", "offer_amount": "2999"},
        format="json",
    )
    assert offered.status_code == 200
    assert offered.json()["status"] == "awaiting_consumer"
    assert offered.json()["offer"]["amount"] == "2999.00"

    # The consumer sees the offer and accepts it.
    api.as_(wang)
    assert api.get(url(case["id"])).json()["allowed_actions"] == [
        "accept",
        "reject",
        "request_mediation",
        "withdraw",
        "message",
        "report_violation",
    ]
    accepted = api.post(url(case["id"], "accept"), {}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "settled"
    assert accepted.json()["agreement"]["remedy"] == "refund"

    # The merchant carries it out.
    fulfilled = api.as_(agent).post(
        url(case["id"], "fulfil"), {"message": "Refunded, receipt 123.", **PROOF["refund"]}, format="json"
    )
    assert fulfilled.status_code == 200
    assert fulfilled.json()["status"] == "awaiting_confirmation"

    # The consumer confirms and rates, once.
    api.as_(wang)
    confirmed = api.post(url(case["id"], "confirm"), {}, format="json")
    assert confirmed.json()["status"] == "closed"
    assert confirmed.json()["outcome"] == "resolved"
    assert api.post(url(case["id"], "rate"), {"score": 9}, format="json").status_code == 400
    rated = api.post(url(case["id"], "rate"), {"score": 5, "comment": "Quick and fair."}, format="json")
    assert rated.status_code == 200
    assert rated.json()["satisfaction"] == 5
    again = api.post(url(case["id"], "rate"), {"score": 1}, format="json")
    assert again.status_code == 409
    assert again.json()["allowed_actions"] == ["report_violation"]

    # Every step is on the timeline, the same for everyone on the case.
    timeline = api.get(url(case["id"])).json()["timeline"]
    assert [e["kind"] for e in timeline] == ["filed", "responded", "accepted", "fulfilled", "confirmed", "rated"]
    supervisor_view = api.as_(supervisor).get(url(case["id"])).json()
    assert [e["kind"] for e in supervisor_view["timeline"]] == [e["kind"] for e in timeline]
    assert {n["channel"] for n in supervisor_view["notices"]} >= {"sms", "in_app"}
    assert all("****" in n["recipient"] for n in supervisor_view["notices"] if n["channel"] == "sms")
    assert Complaint.objects.get(pk=case["id"]).satisfaction == 5


# --- no input answers 500 -------------------------------------------------------------

GARBAGE = [
    ("application/json", b'{"message": '),
    ("application/json", b"[]"),
    ("application/json", b'"just a string"'),
    ("application/json", b"12"),
    ("application/json", b"null"),
    ("application/json", b'{"message": {"nested": [1, 2]}, "score": "x", "merchant": [1], "kind": null}'),
    ("application/json", b'{"message": "' + b"x" * 100_000 + b'", "phone": 13800138000}'),
    ("application/json", b'{"message": "\\u0000", "name": "\\ud800", "mediator": 1e400, "amount": 1e400}'),
    ("application/json", b"\xff\xfe not utf-8"),
    ("text/plain", b"hello"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nbroken"),
    ("application/x-www-form-urlencoded", b"message=%ZZ&score=1"),
]


def _api_paths(case_id, evidence_id, notice_id):
    values = {"pk": case_id, "eid": evidence_id}
    for pattern in api_urls.urlpatterns:
        if not isinstance(pattern, URLPattern) or pattern.name == "not-found":
            continue
        route = str(pattern.pattern)
        if "notification" in route:
            values["pk"] = notice_id
        for key, value in values.items():
            route = route.replace(f"<int:{key}>", str(value))
        values["pk"] = case_id
        yield "/api/v1/" + route


@pytest.mark.parametrize("person", ["wang", "agent", "supervisor", None])
def test_no_garbage_on_any_endpoint_answers_500(api, file_complaint, wang, owner, request, person):
    from complaints import services

    from .conftest import png_bytes, upload

    case = file_complaint()
    evidence = services.add_evidence(actor=wang, complaint=case, upload=upload("a.png", png_bytes()))
    from complaints import workflow

    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No")
    notice_id = wang.notifications.first().pk
    if person:
        api.as_(request.getfixturevalue(person))
    for path in _api_paths(case.pk, evidence.pk, notice_id):
        for content_type, payload in GARBAGE:
            response = api.generic("POST", path, payload, content_type=content_type)
            assert response.status_code < 500, (path, content_type, payload[:40])
        for query in ("?page=-1", "?page_size=abc", "?q=%00", "?status=" + "x" * 5000, "?merchant=1e9"):
            assert api.get(path + query).status_code < 500, (path, query)


def test_paths_outside_the_contract_are_json_404(api, wang):
    api.as_(wang)
    for path in ("/api/v1/nothing/", "/api/v1/complaints", "/api/v1/complaints/1/respond", "/api/v1/"):
        response = api.post(path, {}, format="json")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
