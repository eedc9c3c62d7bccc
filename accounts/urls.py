from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/complete/", views.signup_complete, name="signup_complete"),
    path("code/", views.request_code, name="request_code"),
    path("code/login/", views.code_login, name="code_login"),
]
