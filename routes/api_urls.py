"""Routes of the REST API v1 (shared/API.md)."""

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts import api as accounts_api
from complaints import api as complaints_api
from complaints import bundle as complaints_bundle
from complaints import calls_api, receipts_api
from merchants import api as merchants_api
from notifications import api as notifications_api
from portal import api as portal_api
from privacy import api as privacy_api
from supervision import api as supervision_api
from supervision import incident_api, workspace_api
from supervision import merchant_api as council_api

app_name = "api"


@extend_schema(exclude=True)
class NoSuchEndpoint(APIView):
    """Any other path under /api/v1/ answers a JSON 404 (never an HTML page or a redirect)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    def get(self, request, *args, **kwargs):
        raise NotFound()

    post = put = patch = delete = get


urlpatterns = [
    path("auth/sms-code/", accounts_api.SmsCodeView.as_view(), name="auth-sms-code"),
    path("auth/register/", accounts_api.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    path("auth/password-reset/", accounts_api.PasswordResetView.as_view(), name="auth-password-reset"),
    path("auth/logout/", accounts_api.LogoutView.as_view(), name="auth-logout"),
    path("auth/me/", accounts_api.MeView.as_view(), name="auth-me"),
    path("me/data/", privacy_api.MyDataView.as_view(), name="me-data"),
    path("me/delete/", privacy_api.MyDeleteView.as_view(), name="me-delete"),
    path("me/password/", accounts_api.PasswordChangeView.as_view(), name="me-password"),
    path("me/sign-out-everywhere/", accounts_api.SignOutEverywhereView.as_view(), name="me-sign-out-everywhere"),
    path("me/applications/", merchants_api.MyApplicationsView.as_view(), name="me-applications"),
    path("me/invitations/", merchants_api.MyInvitationsView.as_view(), name="me-invitations"),
    path(
        "me/invitations/<int:pk>/accept/", merchants_api.MyInvitationAcceptView.as_view(), name="me-invitation-accept"
    ),
    path(
        "me/invitations/<int:pk>/decline/",
        merchants_api.MyInvitationDeclineView.as_view(),
        name="me-invitation-decline",
    ),
    path("merchants/", council_api.MerchantListView.as_view(), name="merchant-list"),
    path("merchants/apply/", merchants_api.MerchantApplyView.as_view(), name="merchant-apply"),
    path("merchants/<int:pk>/", council_api.MerchantDetailView.as_view(), name="merchant-detail"),
    path("merchants/<int:pk>/approve/", merchants_api.MerchantApproveView.as_view(), name="merchant-approve"),
    path("merchants/<int:pk>/refuse/", merchants_api.MerchantRefuseView.as_view(), name="merchant-refuse"),
    path("merchants/<int:pk>/suspend/", merchants_api.MerchantSuspendView.as_view(), name="merchant-suspend"),
    path("merchants/<int:pk>/reinstate/", merchants_api.MerchantReinstateView.as_view(), name="merchant-reinstate"),
    path("merchant/agents/", merchants_api.AgentListView.as_view(), name="merchant-agents"),
    path("merchant/record/", portal_api.MerchantBenchmarkView.as_view(), name="merchant-record"),
    path("merchant/agents/<int:pk>/remove/", portal_api.AgentRemoveView.as_view(), name="merchant-agent-remove"),
    path("complaints/<int:pk>/reveal_phone/", portal_api.RevealPhoneView.as_view(), name="complaint-reveal-phone"),
    path("contact-reveals/", council_api.ContactRevealListView.as_view(), name="contact-reveals"),
    path("violations/", council_api.ViolationListView.as_view(), name="violation-list"),
    path(
        "violations/<int:pk>/confirm/",
        council_api.ViolationConfirmView.as_view(),
        name="violation-confirm",
    ),
    path(
        "violations/<int:pk>/dismiss/",
        council_api.ViolationDismissView.as_view(),
        name="violation-dismiss",
    ),
    path("complaints/", complaints_api.ComplaintListView.as_view(), name="complaint-list"),
    path("complaints/preview-contact/", complaints_api.ContactPreviewView.as_view(), name="complaint-preview-contact"),
    path("complaints/export.csv", supervision_api.ExportCsvView.as_view(), name="complaint-export-csv"),
    path("complaints/export.xlsx", supervision_api.ExportXlsxView.as_view(), name="complaint-export-xlsx"),
    path("complaints/<int:pk>/", complaints_api.ComplaintDetailView.as_view(), name="complaint-detail"),
    path("complaints/<int:pk>/bundle.pdf", complaints_bundle.BundleView.as_view(), name="complaint-bundle"),
    path("complaints/<int:pk>/calls/", calls_api.CaseCallsView.as_view(), name="complaint-calls"),
    path("complaints/<int:pk>/calls/off/", calls_api.CallsOffView.as_view(), name="complaint-calls-off"),
    path("complaints/<int:pk>/calls/on/", calls_api.CallsOnView.as_view(), name="complaint-calls-on"),
    path("calls/callback/<slug:provider>/", calls_api.CallCallbackView.as_view(), name="calls-callback"),
    path("complaints/<int:pk>/evidence/", complaints_api.EvidenceUploadView.as_view(), name="complaint-evidence"),
    path("complaints/<int:pk>/address/", complaints_api.AddressView.as_view(), name="complaint-address"),
    path(
        "complaints/<int:pk>/address/withdraw/",
        complaints_api.AddressWithdrawView.as_view(),
        name="complaint-address-withdraw",
    ),
    path(
        "complaints/<int:pk>/address/reveal/",
        complaints_api.AddressRevealView.as_view(),
        name="complaint-address-reveal",
    ),
    path("complaints/<int:pk>/sessions/", complaints_api.ComplaintSessionsView.as_view(), name="complaint-sessions"),
    path(
        "complaints/<int:pk>/evidence/<int:eid>/",
        complaints_api.EvidenceFileView.as_view(),
        name="complaint-evidence-file",
    ),
    *[
        path(f"complaints/<int:pk>/{name}/", view.as_view(), name=f"complaint-{name.replace('_', '-')}")
        for name, view in complaints_api.ACTION_VIEWS.items()
    ],
    path("council/targets/", workspace_api.CouncilTargetsView.as_view(), name="council-targets"),
    path("council/audit/", workspace_api.AuditLogView.as_view(), name="council-audit"),
    path("council/integrity/", workspace_api.IntegrityView.as_view(), name="council-integrity"),
    path("council/notices/", workspace_api.NoticeDeliveryView.as_view(), name="council-notices"),
    path("council/notices/<int:pk>/retry/", workspace_api.NoticeRetryView.as_view(), name="council-notice-retry"),
    path("council/merchants/", workspace_api.CouncilMerchantListView.as_view(), name="council-merchants"),
    path("incidents/", incident_api.IncidentListView.as_view(), name="incident-list"),
    path("incidents/public/", incident_api.PublicIncidentListView.as_view(), name="incident-public"),
    path("incidents/<int:pk>/", incident_api.IncidentDetailView.as_view(), name="incident-detail"),
    path("incidents/<int:pk>/matches/", incident_api.IncidentMatchesView.as_view(), name="incident-matches"),
    path("incidents/<int:pk>/cases/", incident_api.IncidentCasesView.as_view(), name="incident-cases"),
    path("incidents/<int:pk>/message/", incident_api.IncidentMessageView.as_view(), name="incident-message"),
    path("incidents/<int:pk>/assign/", incident_api.IncidentAssignView.as_view(), name="incident-assign"),
    path("incidents/<int:pk>/offer/", incident_api.IncidentOfferView.as_view(), name="incident-offer"),
    path("incidents/<int:pk>/close/", incident_api.IncidentCloseView.as_view(), name="incident-close"),
    path("stats/", supervision_api.StatsView.as_view(), name="stats"),
    path("public/stats/", supervision_api.PublicStatsView.as_view(), name="public-stats"),
    path("notifications/", notifications_api.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read-all/", notifications_api.NotificationReadAllView.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", notifications_api.NotificationReadView.as_view(), name="notification-read"),
    path("notifications/receipts/", receipts_api.DeliveryReceiptView.as_view(), name="notification-receipts"),
    # [\s\S], not ".": a path with a newline in it is still an API path.
    re_path(r"^[\s\S]*$", NoSuchEndpoint.as_view(), name="not-found"),
]
