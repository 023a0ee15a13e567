"""Email confirmation at registration: the mailed link and the form that sends a new one. Both are for anyone
(the link is the proof); the answer to the form does not depend on the address."""

from app.accounts.services import confirmation
from tests.platform.access_matrix import Case, everyone
from tests.utils.factories import create_user, in_app


def build(session, users) -> dict[str, int | str]:
    pending = create_user(session)
    pending.email_confirmed_at = None
    session.add(pending)
    session.commit()
    with in_app(session):
        return {"confirm_token": confirmation.confirmation_token(pending)}


CASES = [
    # A valid link confirms and logs its account in, whoever was signed in before: to the home page.
    Case("GET", "/auth/register/confirm/{confirm_token}", everyone(302)),
    Case("GET", "/auth/register/confirm/forged-link", everyone(400)),
    Case("GET", "/auth/register/resend", everyone(200)),
    Case("POST", "/auth/register/resend", everyone(200), body={"email": "nobody@example.cn"}),
    Case("POST", "/auth/register/resend", everyone(422), body={"email": ""}),
]
