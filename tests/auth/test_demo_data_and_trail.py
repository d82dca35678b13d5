"""`flask demo-data` outside development, and the trail for administrators."""

from __future__ import annotations

from datetime import timedelta

from organiser import create_app
from organiser.auth.models import Organiser, TrailEntry
from organiser.cli import DEMO_EMAIL, DEMO_PASSWORD
from organiser.extensions import db as _db
from organiser.extensions import utcnow
from organiser.jobs import run_scheduled_jobs


def production_app(database_url):
    return create_app(
        {"TESTING": False, "DEBUG": False, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "prod-secret"}
    )


def test_demo_data_refuses_outside_debug(database_url):
    app = production_app(database_url)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo-data"])
        assert result.exit_code != 0 and "--force" in result.output
        assert _db.session.scalar(_db.select(_db.func.count()).select_from(Organiser)) == 0
        _db.session.remove()
        _db.engine.dispose()


def test_forced_demo_data_never_has_the_published_password(database_url):
    app = production_app(database_url)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo-data", "--force"])
        assert result.exit_code == 0, result.output
        account = _db.session.scalar(_db.select(Organiser).where(Organiser.email == DEMO_EMAIL))
        assert account is not None and not account.check_password(DEMO_PASSWORD)
        assert DEMO_PASSWORD not in result.output and "shown only now" in result.output
        _db.session.remove()
        _db.engine.dispose()


def test_trail_page_for_administrators(client, db, create_organiser, organiser):
    create_organiser(email="beheer@example.org", name="Bea Beheer", is_admin=True)
    client.post("/login", {"email": "organiser@example.org", "password": "fout wachtwoord!"})
    client.login("beheer@example.org")
    client.post(f"/accounts/{organiser.id}/role", {"role": "checkin"})
    page = client.get("/accounts/trail").get_data(as_text=True)
    assert "Inloggen mislukt" in page and "Rol gewijzigd" in page and "Ingelogd" in page
    assert "Olga Organisator: organiser → checkin" in page
    page = client.get(f"/accounts/trail?over=account&id={organiser.id}").get_data(as_text=True)
    assert "Rol gewijzigd" in page


def test_trail_is_purged_after_the_retention_period(app, db, organiser):
    old = TrailEntry(action="login", actor="x", at=utcnow() - timedelta(days=400))
    recent = TrailEntry(action="login", actor="y", at=utcnow() - timedelta(days=10))
    db.session.add_all([old, recent])
    db.session.commit()
    assert run_scheduled_jobs()["purged_trail_entries"] == 1
    assert db.session.scalars(db.select(TrailEntry.actor)).all() == ["y"]
