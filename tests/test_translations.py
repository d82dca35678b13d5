"""The English catalogue is complete and correct, and pages and mail really come out in English.

Dutch is the source language (the msgids); English comes from translations/en/LC_MESSAGES/messages.po.
After `make messages`, every new msgid needs an English msgstr here, or the first test fails.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.conftest import local

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
#: The same keywords as `make messages` (-k _l -k lazy_gettext on top of babel's defaults).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
#: "%(name)s", "%(num)d" and a literal "%%": what has to survive translation unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")

#: Saturday 6 December 2031, 14:00 in Amsterdam: far enough ahead to stay on the agenda.
START = local(2031, 12, 6, 14, 0)
ENGLISH_DATE = "Saturday 6 December 2031, 14:00"


@pytest.fixture(scope="module")
def catalogue():
    with CATALOGUE.open("rb") as po:
        return read_po(po, locale="en")


def extracted_msgids() -> set[str]:
    """The msgids in the code and templates now, extracted as `make messages` does (without writing a file)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_in_the_code_has_an_english_translation(catalogue):
    untranslated = [m.id for m in catalogue if m.id and not (all(m.string) if m.pluralizable else m.string)]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not untranslated, f"untranslated: {untranslated[:5]}"
    assert not fuzzy, f"fuzzy (check and clear the flag): {fuzzy[:5]}"
    known = {m.id[0] if m.pluralizable else m.id for m in catalogue if m.id}
    missing = sorted(extracted_msgids() - known)
    assert not missing, f"not in the catalogue, run `make messages` and translate: {missing[:5]}"


def test_translations_keep_the_placeholders(catalogue):
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        if message.pluralizable:
            pairs = [(message.id[0], message.string[0]), (message.id[1], message.string[1])]
        else:
            pairs = [(message.id, message.string)]
        for source, translation in pairs:
            if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(translation)):
                wrong.append((source, translation))
    assert not wrong, wrong[:3]


def glued_sources(catalogue) -> list[tuple[str, str]]:
    """(msgid, the other msgid whose Dutch opening its English contains): an edit of the .po that ran two entries
    together (the privacy statement once read "after being recordedHet logboek van organisatoren: …")."""
    openings = {}
    for message in catalogue:
        source = message.id[0] if message.pluralizable else message.id
        opening = PLACEHOLDER.sub("", source or "")[:30]
        if len(opening) == 30:  # a sentence, not a word both languages share (a name, "e-mail")
            openings[opening] = source
    glued = []
    for message in catalogue:
        if not message.id:
            continue
        source = message.id[0] if message.pluralizable else message.id
        for translation in message.string if message.pluralizable else [message.string]:
            text = PLACEHOLDER.sub("", translation or "")
            glued += [(source, other) for opening, other in openings.items() if other != source and opening in text]
    return glued


def test_no_translation_runs_into_another_entry(catalogue):
    assert not glued_sources(catalogue)


def test_the_glued_check_can_fail():
    glued = read_po(
        io.BytesIO(
            b'msgid "na het vastleggen"\nmsgstr "after being recordedHet logboek van organisatoren: wie uw gegevens"\n'
            b'msgid "Het logboek van organisatoren: wie uw gegevens wijzigde"\nmsgstr "The log"\n'
        ),
        locale="en",
    )
    assert glued_sources(glued) == [("na het vastleggen", "Het logboek van organisatoren: wie uw gegevens wijzigde")]


def test_the_placeholder_check_can_fail():
    assert Counter(PLACEHOLDER.findall("%(num)d mensen, %(share)d%%")) != Counter(PLACEHOLDER.findall("%(num)s people"))


# --- Pages and mail in English ----------------------------------------------------------------------------------------


@pytest.fixture
def english(client):
    response = client.post("/language", {"lang": "en", "next": "/agenda"})
    assert response.headers["Location"] == "/agenda"
    return client


@pytest.fixture
def cafe(create_event, create_neighbourhood):
    return create_event(title="Coffee with the neighbours", starts_at=START, neighbourhood=create_neighbourhood())


def assert_english(page: str, *english: str, absent: tuple[str, ...] = ()) -> None:
    assert '<html lang="en">' in page
    for text in english:
        assert text in page, text
    for text in ("Naar de inhoud", "Uitloggen", "Inloggen", "zaterdag", "bijeenkomst", *absent):
        assert text not in page, text


def test_agenda_in_english_with_english_dates(english, cafe):
    page = english.get("/agenda").get_data(as_text=True)
    assert_english(
        page,
        "Skip to content",
        "Calendar",
        "All formats",
        "All neighbourhoods",
        ENGLISH_DATE,
        "Community café",
        absent=("Alle werkvormen", "Filteren", "december"),
    )


def test_login_in_english(english):
    page = english.get("/login").get_data(as_text=True)
    assert_english(
        page,
        "Log in for organisers",
        "Email address",
        "Password",
        "you do not need an account",
        absent=("Wachtwoord", "E-mailadres"),
    )
    response = english.post("/login", {"email": "nobody@example.org", "password": "wrong password"})
    assert_english(response.get_data(as_text=True), "This email address and password do not match.")


def test_event_page_in_english(english, cafe):
    page = english.get(f"/events/{cafe.id}").get_data(as_text=True)
    assert_english(
        page,
        "What to expect at the community café",
        "A community café (in Dutch: bruiscafé) is an informal get-together",
        f"{ENGLISH_DATE}–16:00",
        "Add to my calendar (.ics)",
        "Whose plan",
        absent=("Wanneer", "Wat is een", "Zet in mijn agenda"),
    )


def test_errors_in_english(english):
    response = english.get("/bestaat-niet")
    assert response.status_code == 404
    assert_english(response.get_data(as_text=True), "This page does not exist (any more).", "Not found")


def invite_colleagues(invitees, event, names):
    """Invite staff members (mails queued); returns their personal RSVP tokens."""
    from organiser.invitations import links

    return [links.rsvp_token(invitation) for invitation in invitees(event, names=names, department="Permits")]


def test_rsvp_page_in_english(english, db, cafe, invitees):
    ann, bob = invite_colleagues(invitees, cafe, ["Ann", "Bob"])
    response = english.post(f"/rsvp/{ann}", {"answer": "yes", "plus_ones": "0", "note": ""})
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert_english(page, "Thank you! You are on the list.")
    page = english.get(f"/rsvp/{bob}").get_data(as_text=True)
    assert_english(
        page,
        "Invitation for Bob",
        "Your reply",
        "You have not replied yet.",
        "Are you coming?",
        "Send reply",
        # Both counts through ngettext: one colleague (singular), no residents (plural).
        "Who is coming: 1 colleague from the municipality and 0 residents have said yes so far.",
        ENGLISH_DATE,
        absent=("Komt u?", "Antwoord versturen", "collega"),
    )


def test_invitation_mail_in_english(app, db, cafe, invitees):
    from organiser.invitations.models import Invitation
    from organiser.mail.rendering import render_mail

    invite_colleagues(invitees, cafe, ["Ann"])
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.event_id == cafe.id))
    # No request, as in the outbox worker: the language comes from the recipient alone.
    subject, text, html = render_mail(
        "invitation",
        "en",
        invitation=invitation,
        event=cafe,
        person=invitation.person,
        rsvp_url="https://organiser.example/rsvp/x",
        event_url="https://organiser.example/events/1",
        team=None,
    )
    assert subject == "Invitation: Coffee with the neighbours, Saturday 6 December 2031"
    for body in (text, html):
        assert "Dear Ann," in body
        assert "You are warmly invited to Coffee with the neighbours." in body
        assert "(in Dutch: bruiscafé)" in body
        assert "What happens next" in body
        for dutch in ("Beste", "uitgenodigd", "Wanneer", "zaterdag", "agenda-afspraak"):
            assert dutch not in body, dutch
    assert '<html lang="en">' in html
    assert "A calendar appointment (.ics) is attached." in text


def test_dutch_stays_the_default_for_mail(app, cafe):
    from organiser.mail.rendering import render_mail

    subject, _text, _html = render_mail("cancellation", "nl", event=cafe, person=None, invitation=None)
    assert subject == "Afgelast: Coffee with the neighbours, zaterdag 6 december 2031"
