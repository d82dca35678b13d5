"""Counts are said in words that fit the number (ngettext), and a count of nothing is said as nothing, never
"0 genodigden krijgen bericht" or "nog 1 ongebruikte herstelcodes"."""

from __future__ import annotations

import pyotp

from organiser.auth import mfa
from organiser.auth.models import Organiser
from organiser.events.models import Event, EventStatus


def test_cancelling_an_event_nobody_had_a_place_at_says_nobody_is_told(logged_in, organiser, db, create_event):
    event = create_event(title="Lege borrel", organiser=organiser)
    response = logged_in.post(f"/events/{event.id}/cancel", {"reason": ""})
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Niemand had een plaats, dus niemand krijgt bericht." in page
    assert "0 genodigden" not in page
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.CANCELLED


def test_one_recovery_code_left_is_said_in_the_singular(logged_in, organiser, db):
    account = db.session.get(Organiser, organiser.id)
    secret = mfa.new_secret()
    codes = mfa.enrol(account, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    for code in codes[:-1]:
        assert mfa.use_recovery_code(account, code)
    db.session.commit()
    page = logged_in.get("/account/mfa").get_data(as_text=True)
    assert "U heeft nog 1 ongebruikte herstelcode." in page
