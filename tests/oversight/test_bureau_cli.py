"""Creating an expert account from the command line, with the fields it covers on review panels."""

from sqlmodel import select

from models import ExpertProfile, User


def test_create_expert_with_fields(runner, session):
    result = runner.invoke(
        args=[
            "users",
            "create-expert",
            "--email",
            "Law.Expert@example.cn",
            "--name",
            "赵律师",
            "--field",
            "law",
            "--field",
            "management",
            "--affiliation",
            "吉林大学法学院",
            "--password",
            "expert-pass-1",
        ]
    )
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.email == "law.expert@example.cn")).one()
    profile = session.get(ExpertProfile, user.id)
    assert user.role == "expert" and profile.specialties == ["law", "management"]
    assert profile.affiliation == "吉林大学法学院"
    wrong = runner.invoke(
        args=[
            "users",
            "create-expert",
            "--email",
            "x@example.cn",
            "--name",
            "x",
            "--field",
            "astrology",
            "--password",
            "expert-pass-1",
        ]
    )
    assert wrong.exit_code != 0 and "astrology" in wrong.output
