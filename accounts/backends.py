from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


def find_login_user(login: str):
    """The account a login names: its username or its mobile number (11 digits)."""
    User = get_user_model()
    return User.objects.filter(Q(username=login) | Q(phone=login)).order_by("id").first()


class PhoneOrUsernameBackend(ModelBackend):
    """Sign in with a username or a mobile number and a password."""

    def authenticate(self, request, username=None, password=None, phone=None, **kwargs):
        login = (phone or username or "").strip()
        if not login or password is None:
            return None
        user = find_login_user(login)
        if user is None:
            get_user_model()().set_password(password)  # same cost whether or not the account exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
