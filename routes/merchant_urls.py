"""The `merchants` pages: the merchant portal (portal/), the council's merchant reviews and the
public record (supervision/), the enrolment application and team invitations (merchants/),
and the consumer's rights guide (complaints/)."""

from django.urls import path

from complaints.views import guide
from merchants.views import apply, invitations
from portal import views as portal
from supervision import merchant_views as council
from supervision import public_merchants as public

app_name = "merchants"
urlpatterns = [
    # the merchant portal
    path("merchant/", portal.inbox, name="inbox"),
    path("merchant/team/", portal.team, name="team"),
    path("merchant/team/<int:pk>/remove/", portal.remove_agent, name="remove_agent"),
    path("merchant/record/", portal.record, name="record"),
    path("merchant/cases/<int:pk>/reveal-phone/", portal.reveal_phone, name="reveal_phone"),
    # the council
    path("council/merchants/", council.merchant_list, name="council_list"),
    path("council/merchants/<int:pk>/", council.merchant_detail, name="council_detail"),
    path("council/merchants/<int:pk>/<slug:decision>/", council.merchant_decide, name="council_decide"),
    path("council/violations/", council.violation_list, name="council_violations"),
    path("council/violations/<int:pk>/decide/", council.violation_decide, name="violation_decide"),
    path("council/contact-log/", council.contact_log, name="contact_log"),
    # everyone
    path("merchants/", public.merchant_list, name="public_list"),
    path("merchants/apply/", apply.apply, name="apply"),
    path("merchants/<int:pk>/", public.merchant_record, name="public_record"),
    path("guide/", guide.guide, name="guide"),
    # the person invited to a merchant's team
    path("invitations/", invitations.invitations, name="invitations"),
    path("invitations/<int:pk>/<slug:choice>/", invitations.answer, name="invitation_answer"),
]
