"""Flask-Login sees users through UserMixin: a deactivated account stops being logged in."""

from models import User


def test_a_deactivated_user_is_logged_out_on_the_next_request(client, auth, session, enterprise):
    assert auth.login(enterprise.email).status_code == 302
    assert client.get("/my").status_code == 200
    user = session.get(User, enterprise.id)
    user.active = False
    session.add(user)
    session.commit()
    response = client.get("/my")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_user_is_identified_by_id_and_active_flag(enterprise):
    assert enterprise.get_id() == str(enterprise.id)
    assert enterprise.is_authenticated and enterprise.is_active and not enterprise.is_anonymous
    enterprise.active = False
    assert not enterprise.is_active
