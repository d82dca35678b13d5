"""The answers page at a municipality's size (issue 12): a page of invitees at a time, searchable and filtered by
answer, counts over everyone, and a fixed number of statements however many are invited."""

from __future__ import annotations

import re

from organiser.extensions import utcnow
from organiser.invitations.answers_page import PER_PAGE
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxKind, OutboxMessage, OutboxStatus
from organiser.people.models import ContactRole, Person, PersonKind
from tests.factories import recorded_statements

STATES = [InvitationState.YES, InvitationState.NO, InvitationState.MAYBE, InvitationState.INVITED]


def invite_many(db, event, n, department, initiative, start=0):
    """n invitees (every fourth a resident of `initiative`), answers in turn yes, no, maybe, none."""
    people = []
    for number in range(start, start + n):
        resident = number % 4 == 0
        people.append(
            Person(
                name=f"Genodigde {number:04d}",
                email=f"genodigde{number}@gemeente.example",
                kind=PersonKind.RESIDENT if resident else PersonKind.STAFF,
                department=None if resident else department,
                contact_role=None if resident else ContactRole.OFFICE,
                initiatives=[initiative] if resident else [],
            )
        )
    db.session.add_all(people)
    db.session.flush()
    invitations = [
        Invitation(event=event, person=person, state=STATES[number % 4], sent_at=utcnow())
        for number, person in zip(range(start, start + n), people, strict=True)
    ]
    db.session.add_all(invitations)
    db.session.commit()
    return invitations


def statements_for(db, client, url) -> tuple[int, str]:
    with recorded_statements(db) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row">(Genodigde \d+)</th>', page)


def test_a_fixed_number_of_statements_however_many_are_invited(
    logged_in, organiser, db, create_event, create_department, create_initiative
):
    event = create_event(organiser=organiser, capacity=600)
    department, initiative = create_department("Financiën"), create_initiative("Moestuin")
    invite_many(db, event, 60, department, initiative)
    url = f"/events/{event.id}/answers"
    logged_in.get(url)  # the first request of a session loads what every later one has
    few, _page = statements_for(db, logged_in, url)
    invite_many(db, event, 240, department, initiative, start=60)
    many, page = statements_for(db, logged_in, url)
    assert many == few
    assert len(rows(page)) == PER_PAGE
    assert "Pagina 1 van 6" in page
    # The counts are over everyone, not the page.
    assert re.search(r'<th scope="row">Komt</th><td class="num">75</td>', page)


def test_search_and_answer_filter_and_the_next_page(
    logged_in, organiser, db, create_event, create_department, create_initiative
):
    event = create_event(organiser=organiser, capacity=600)
    invite_many(db, event, 120, create_department("Financiën"), create_initiative("Moestuin"))
    url = f"/events/{event.id}/answers"

    found = logged_in.get(url, query_string={"zoek": "GENODIGDE 0042"}).get_data(as_text=True)
    assert rows(found) == ["Genodigde 0042"] and "1 genodigde gevonden." in found

    maybe = logged_in.get(url, query_string={"antwoord": "maybe"}).get_data(as_text=True)
    assert len(rows(maybe)) == 30 and "Genodigde 0002" in rows(maybe) and "Genodigde 0001" not in rows(maybe)

    second = logged_in.get(url, query_string={"pagina": "2"}).get_data(as_text=True)
    first = logged_in.get(url).get_data(as_text=True)
    assert len(rows(second)) == PER_PAGE and not set(rows(first)) & set(rows(second))

    nonsense = logged_in.get(url, query_string={"antwoord": "nonsense", "pagina": "99"})
    assert nonsense.status_code == 200 and "Niemand gevonden" in nonsense.get_data(as_text=True)

    csv = logged_in.get(f"{url}.csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == 121  # the export has everyone, whatever the page


def test_failed_mail_is_counted_over_everyone_and_marked_on_its_row(
    logged_in, organiser, db, create_event, create_department, create_initiative
):
    event = create_event(organiser=organiser, capacity=600)
    invitations = invite_many(db, event, 80, create_department("Financiën"), create_initiative("Moestuin"))
    for invitation, status in ((invitations[1], OutboxStatus.FAILED), (invitations[77], OutboxStatus.FAILED)):
        db.session.add(
            OutboxMessage(
                kind=OutboxKind.INVITATION.value,
                to_address=invitation.person.email,
                to_name=invitation.person.name,
                subject="Uitnodiging",
                text_body="",
                html_body="",
                message_id=f"<{invitation.id}@organiser.test>",
                status=status,
                attempts=1,
                next_attempt_at=utcnow(),
                last_error="550",
                event_id=event.id,
                invitation_id=invitation.id,
                reply_to="",
            )
        )
    db.session.commit()
    page = logged_in.get(f"/events/{event.id}/answers", query_string={"zoek": "Genodigde 0001"}).get_data(as_text=True)
    assert "Bij 2 mensen kon de mail niet worden afgeleverd." in page
    assert page.count("mail mislukt") == 1
