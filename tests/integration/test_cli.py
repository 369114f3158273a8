"""The command-line tools an administrator uses."""
from sqlalchemy import func, select

from meetings.auth.models import User
from meetings.endpoints.models import Endpoint, EndpointGroup
from meetings.extensions import db


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    before = (db.session.scalar(select(func.count(Endpoint.id))), db.session.scalar(select(func.count(User.id))),
              db.session.scalar(select(func.count(EndpointGroup.id))))
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "0 added" in result.output
    after = (db.session.scalar(select(func.count(Endpoint.id))), db.session.scalar(select(func.count(User.id))),
             db.session.scalar(select(func.count(EndpointGroup.id))))
    assert before == after == (70, 73, 6)


def test_seed_does_not_overwrite_an_admins_correction(app):
    endpoint = db.session.scalar(select(Endpoint).where(Endpoint.code == "thads-an-giang"))
    endpoint.distance_km = 1777
    db.session.commit()
    app.test_cli_runner().invoke(args=["seed"])
    assert db.session.scalar(select(Endpoint.distance_km).where(Endpoint.code == "thads-an-giang")) == 1777


def test_demo_users_are_one_operator_per_endpoint(app):
    operators = db.session.scalars(select(User).where(User.role == "operator")).all()
    assert len(operators) == 70
    assert all(user.username == f"op-{user.endpoint.code}" for user in operators)


def test_users_create_token_deactivate(app, client):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "thu-ky", "--role", "booker", "--name", "Thư ký",
                                  "--password", "secret-pass-9"])
    assert created.exit_code == 0, created.output
    token = runner.invoke(args=["users", "token", "thu-ky", "--name", "script"]).output.strip()
    assert token.startswith("mm_")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/endpoints", headers=headers).status_code == 200
    assert runner.invoke(args=["users", "deactivate", "thu-ky"]).exit_code == 0
    assert client.get("/api/v1/endpoints", headers=headers).status_code == 401


def test_users_create_refuses_bad_input(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "op-x", "--role", "operator", "--endpoint", "nowhere",
                                 "--password", "secret-pass-9"])
    assert result.exit_code != 0 and "endpoint" in result.output
    weak = runner.invoke(args=["users", "create", "weak", "--role", "booker", "--password", "short"])
    assert weak.exit_code != 0


def test_merge_provinces_command(app):
    result = app.test_cli_runner().invoke(args=["endpoints", "merge-provinces"])
    assert result.exit_code == 0 and "29 merged" in result.output
