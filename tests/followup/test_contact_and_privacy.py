"""Contact exchange with consent (each sees only those who share, consent withdrawable), and the follow-up in the
invitee's rights: the "my data" page and download, erasure, and the retention period."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from organiser import retention
from organiser.followup import privacy
from organiser.followup.models import FollowupAnswer, FollowupRequest
from tests.followup.test_followup import days_ago


@pytest.fixture
def three(db, create_event, create_initiative, create_person, invite, rsvp_token, answer_followup):
    """A bruiscafé three days ago; Anna, Ria and Kees were there and have been asked the follow-up questions."""
    koor = create_initiative("Havenkoor")
    event = create_event("Bruiscafé aan de haven", starts_at=days_ago(3), hosts=[koor])
    people = {
        "anna": create_person("Anna de Vries", email="anna@gemeente.example", department="Vergunningen"),
        "ria": create_person("Ria Zanger", email="ria@example.org", kind="resident", initiatives=[koor]),
        "kees": create_person("Kees Kijker", email="kees@gemeente.example", department="Financiën"),
    }
    invitations = {key: invite(event, person, "yes") for key, person in people.items()}
    for invitation in invitations.values():
        answer_followup(invitation)
    tokens = {key: rsvp_token(invitation) for key, invitation in invitations.items()}
    return {"event": event, "people": people, "invitations": invitations, "tokens": tokens, "koor": koor}


def contact_section(client, token) -> str:
    page = client.get(f"/rsvp/{token}/followup").get_data(as_text=True)
    return page.split('id="contact-heading"')[1].split("</section>")[0]


def test_only_those_who_share_see_each_other(client, db, three):
    tokens = three["tokens"]
    response = client.post(f"/rsvp/{tokens['anna']}/followup/contact", {"share": "yes"})
    assert response.status_code == 302
    anna = contact_section(client, tokens["anna"])
    assert "Nog niemand anders deelt zijn gegevens" in anna
    ria = contact_section(client, tokens["ria"])  # Ria does not share: she sees nothing of Anna
    assert "anna@gemeente.example" not in ria and "Anna" not in ria
    client.post(f"/rsvp/{tokens['ria']}/followup/contact", {"share": "yes"})
    anna, ria = contact_section(client, tokens["anna"]), contact_section(client, tokens["ria"])
    assert "Ria Zanger" in anna and "ria@example.org" in anna and "Havenkoor" in anna
    assert "Anna de Vries" in ria and "anna@gemeente.example" in ria and "Vergunningen" in ria
    assert "Kees" not in anna and "Kees" not in ria  # Kees does not share
    assert "Anna" not in contact_section(client, tokens["kees"])
    # Anna withdraws her consent: Ria no longer sees her.
    client.post(f"/rsvp/{tokens['anna']}/followup/contact", {"share": "no"})
    assert "anna@gemeente.example" not in contact_section(client, tokens["ria"])
    request = db.session.scalar(
        db.select(FollowupRequest).where(FollowupRequest.invitation_id == three["invitations"]["anna"].id)
    )
    assert request.contact_shared_at is None


def test_sharing_needs_the_links_key_and_a_get_changes_nothing(client, db, three):
    token = three["tokens"]["anna"]
    client.post(f"/rsvp/{token}/followup/contact", {"share": "yes", "form_key": "forged"})
    assert client.get(f"/rsvp/{token}/followup/contact").status_code == 405
    assert db.session.scalar(db.select(db.func.count()).where(FollowupRequest.contact_shared_at.is_not(None))) == 0


def test_my_data_shows_and_downloads_the_follow_up(client, db, three, answer_followup):
    anna = three["invitations"]["anna"]
    answer_followup(anna, met_someone=True, initiative_ids=[three["koor"].id], touch_about="Buurtfeest", rating=4)
    client.post(f"/rsvp/{three['tokens']['anna']}/followup/contact", {"share": "yes"})
    page = client.get(f"/rsvp/{three['tokens']['anna']}/data").get_data(as_text=True)
    assert "Vragen na afloop: Bruiscafé aan de haven" in page
    assert "Buurtfeest" in page and "Havenkoor" in page and "ja, sinds" in page
    assert 'data-setting="RETENTION_FOLLOWUP_DAYS"' in page
    document = json.loads(client.get(f"/rsvp/{three['tokens']['anna']}/data.json").get_data(as_text=True))
    (section,) = [s for s in document["other"] if s["title"].startswith("Vragen na afloop")]
    assert section["values"]["Waarover"] == "Buurtfeest"
    assert section["values"]["Cijfer (1 tot 5)"] == "4"


def test_an_anonymous_answer_is_not_in_my_data(client, db, three, answer_followup):
    answer_followup(three["invitations"]["ria"], met_someone=True, rating=2, anonymous=True)
    page = client.get(f"/rsvp/{three['tokens']['ria']}/data").get_data(as_text=True)
    assert "anoniem gegeven: aan niemand gekoppeld" in page
    assert "Cijfer (1 tot 5)" not in page


def test_erasing_takes_the_consent_and_the_texts_and_keeps_the_counts(client, db, three, answer_followup):
    anna = three["invitations"]["anna"]
    answer_followup(anna, met_someone=True, initiative_ids=[three["koor"].id], do_differently="Meer koffie")
    for key in ("anna", "ria"):
        client.post(f"/rsvp/{three['tokens'][key]}/followup/contact", {"share": "yes"})
    erased = client.post(f"/rsvp/{three['tokens']['anna']}/erase")  # Post/Redirect/Get to the confirmation
    assert erased.status_code == 303 and client.get(erased.headers["Location"]).status_code == 200
    assert db.session.scalar(db.select(FollowupRequest).where(FollowupRequest.invitation_id == anna.id)) is None
    answer = db.session.scalar(db.select(FollowupAnswer))
    assert answer.invitation_id is None and answer.do_differently == "" and answer.met_someone is True
    assert len(answer.choices) == 1  # the tie still counts
    assert "Anna" not in contact_section(client, three["tokens"]["ria"])


def test_answers_are_detached_after_the_retention_period(app, db, client, three, answer_followup):
    answer_followup(three["invitations"]["kees"], met_someone=True, touch_about="Subsidie", rating=5)
    client.post(f"/rsvp/{three['tokens']['kees']}/followup/contact", {"share": "yes"})
    app.config["RETENTION_FOLLOWUP_DAYS"] = 30
    ended = three["event"].ends_at
    assert privacy.purge_old_answers(ended + timedelta(days=29)) == 0
    assert retention.FOLLOWUP.setting == "RETENTION_FOLLOWUP_DAYS"
    changed = privacy.purge_old_answers(ended + timedelta(days=30, minutes=1))
    db.session.commit()
    assert changed == 1 + 3  # Kees's answer detached; the three requests gone
    answer = db.session.scalar(db.select(FollowupAnswer))
    assert (answer.invitation_id, answer.touch_about, answer.rating) == (None, "", 5)
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowupRequest)) == 0
    assert privacy.purge_old_answers(ended + timedelta(days=31)) == 0  # once
