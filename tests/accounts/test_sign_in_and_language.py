import pytest
from django.test import Client

from accounts.models import UserPreference
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-123"


@pytest.fixture
def user():
    return UserFactory(username="lang_user", role=Role.FINANCE)


def _sign_in(client, next_url="/api/docs/"):
    return client.post(
        "/accounts/login/", {"username": "lang_user", "password": PASSWORD, "next": next_url}
    )


def test_chosen_language_is_remembered_for_the_user_in_another_browser(user):
    first_browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    _sign_in(first_browser)
    switched = first_browser.post(
        "/accounts/language/", {"language": "zh-hans", "next": "/accounts/password_change/"}
    )
    assert switched.status_code == 302
    assert switched["Location"] == "/accounts/password_change/"
    assert UserPreference.objects.get(user=user).language == "zh-hans"
    assert "修改密码" in first_browser.get("/accounts/password_change/").content.decode()

    # A new browser that prefers English still gets the user's choice once signed in.
    second_browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "Sign in" in second_browser.get("/accounts/login/").content.decode()
    _sign_in(second_browser)
    page = second_browser.get("/accounts/password_change/")
    assert page["Content-Language"] == "zh-hans"
    assert "修改密码" in page.content.decode()


def test_anonymous_language_switch_uses_a_cookie_only():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/language/", {"language": "zh-hans", "next": "/accounts/login/"}
    )
    assert response.cookies["django_language"].value == "zh-hans"
    assert "登录" in client.get("/accounts/login/").content.decode()
    assert not UserPreference.objects.exists()


@pytest.mark.parametrize("next_url", ["https://evil.example.com/", "//evil.example.com/"])
def test_language_switch_never_redirects_off_site(user, next_url):
    client = Client()
    response = client.post("/accounts/language/", {"language": "en", "next": next_url})
    assert response["Location"] == "/"


def test_unknown_language_is_refused(user):
    client = Client()
    _sign_in(client)
    assert client.post("/accounts/language/", {"language": "fr"}).status_code == 400
    assert not UserPreference.objects.exists()


def test_sign_out_and_password_change(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    _sign_in(client)
    refused = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert refused.status_code == 200
    assert "Your old password was entered incorrectly" in refused.content.decode()
    changed = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-longer-passphrase-42")
    signed_out = client.post("/accounts/logout/")
    assert signed_out["Location"] == "/accounts/login/"
    assert client.get("/api/docs/").status_code == 302


def test_unknown_language_is_refused_by_the_service_naming_the_field(user):
    from accounts.services import user_language_set
    from core.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        user_language_set(user=user, language="fr")
    assert exc.value.field == "language"
