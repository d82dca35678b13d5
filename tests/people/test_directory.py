"""The people directory through the web pages, as an organiser uses it."""

from __future__ import annotations

from datetime import timedelta

from organiser.calendar.models import FeedToken
from organiser.extensions import utcnow
from organiser.invitations.models import Invitation, InvitationState
from organiser.people.models import ContactRole, Department, Person, PersonKind
from organiser.tokens import hash_token, new_token


def staff_form(**overrides):
    data = {
        "name": "Fatima el Amrani",
        "email": "F.ElAmrani@Gemeente.example",
        "kind": "staff",
        "department_id": "",
        "new_department": "",
        "contact_role": "office",
    }
    data.update(overrides)
    return data


def count_people(db):
    return db.session.scalar(db.select(db.func.count()).select_from(Person))


def test_the_directory_needs_a_login(client):
    for url in ("/people", "/people/new", "/people/import", "/people/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_menu_links_to_the_directory(logged_in):
    page = logged_in.get("/events").get_data(as_text=True)
    assert 'href="/people"' in page and ">Mensen<" in page


def test_add_a_colleague_stores_the_email_lower_cased(logged_in, db, create_department):
    department = create_department("Vergunningen")
    response = logged_in.post("/people/new", staff_form(department_id=str(department.id)))
    assert response.status_code == 302
    person = db.session.scalar(db.select(Person))
    assert person.email == "f.elamrani@gemeente.example"
    assert person.kind == PersonKind.STAFF and person.contact_role == ContactRole.OFFICE
    assert person.department_id == department.id
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fatima el Amrani staat nu in het adresboek." in page and "Vergunningen" in page


def test_email_is_unique_whatever_the_case(logged_in, db, create_person, create_department):
    create_person(email="fatima@gemeente.example")
    department = create_department("Beleid")
    response = logged_in.post("/people/new", staff_form(email="FATIMA@gemeente.example", department_id=department.id))
    assert response.status_code == 200
    assert "Er staat al iemand met dit e-mailadres in het adresboek." in response.get_data(as_text=True)
    assert count_people(db) == 1


def test_a_colleague_needs_department_and_role(logged_in, db):
    response = logged_in.post("/people/new", staff_form(contact_role=""))
    page = response.get_data(as_text=True)
    assert "Kies de afdeling van deze collega, of typ een nieuwe." in page
    assert "Kies of deze collega een contactrol heeft of op kantoor werkt." in page
    assert count_people(db) == 0


def test_a_new_department_can_be_typed_in(logged_in, db, create_department):
    create_department("Financiën")
    logged_in.post("/people/new", staff_form(new_department="  Openbare   Ruimte ", contact_role="frontline"))
    person = db.session.scalar(db.select(Person))
    assert person.department.name == "Openbare Ruimte" and person.contact_role == ContactRole.FRONTLINE
    # Typing an existing department (in another case) reuses it.
    logged_in.post("/people/new", staff_form(email="b@gemeente.example", new_department="financiën"))
    names = db.session.scalars(db.select(Department.name).order_by(Department.name)).all()
    assert names == ["Financiën", "Openbare Ruimte"]


def test_a_resident_needs_an_initiative_and_has_no_role(logged_in, db, create_initiative, create_department):
    department = create_department()
    data = staff_form(name="Kees de Vries", email="kees@voorbeeld.example", kind="resident")
    response = logged_in.post("/people/new", data)
    assert "Kies minstens één bewonersinitiatief voor deze bewoner." in response.get_data(as_text=True)
    assert count_people(db) == 0
    initiative = create_initiative("Repair Café Oost")
    data.update(initiatives=str(initiative.id), department_id=str(department.id))
    assert logged_in.post("/people/new", data).status_code == 302
    person = db.session.scalar(db.select(Person))
    assert person.kind == PersonKind.RESIDENT
    assert person.contact_role is None and person.department is None
    assert [i.name for i in person.initiatives] == ["Repair Café Oost"]


def test_edit_keeps_own_email_and_changes_details(logged_in, db, create_person, create_department):
    person = create_person(name="Piet Post", email="piet@gemeente.example")
    other = create_department("Burgerzaken")
    page = logged_in.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert 'value="piet@gemeente.example"' in page
    response = logged_in.post(
        f"/people/{person.id}/edit",
        staff_form(name="Piet Post", email="Piet@Gemeente.example", department_id=other.id, contact_role="frontline"),
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.department.name == "Burgerzaken" and person.contact_role == ContactRole.FRONTLINE
    assert person.email == "piet@gemeente.example"


def test_search_and_filters(logged_in, create_person, create_initiative, create_neighbourhood):
    oost = create_neighbourhood("Oosterpark")
    centrum = create_neighbourhood("Centrum")
    repair = create_initiative("Repair Café Oost", oost)
    imkers = create_initiative("Stadsimkers", centrum)
    create_person(name="Anna Vergunning", email="anna@gemeente.example", department="Vergunningen")
    create_person(name="Bram Wijk", email="bram@gemeente.example", department="Wijkteams", role="frontline")
    create_person(name="Cor Bewoner", email="cor@thuis.example", kind="resident", initiatives=[repair])
    create_person(name="Dewi Imker", email="dewi@thuis.example", kind="resident", initiatives=[imkers])
    create_person(name="Els Weg", email="els@gemeente.example", active=False)

    def names(query):
        page = logged_in.get("/people" + query).get_data(as_text=True)
        return [n for n in ("Anna", "Bram", "Cor", "Dewi", "Els") if f">{n} " in page]

    assert names("") == ["Anna", "Bram", "Cor", "Dewi", "Els"]
    assert names("?zoek=WIJK") == ["Bram"]
    assert names("?zoek=thuis.example") == ["Cor", "Dewi"]
    assert names("?soort=resident") == ["Cor", "Dewi"]
    assert names("?rol=frontline") == ["Bram"]
    department_id = db_id(logged_in, "Vergunningen")
    assert names(f"?afdeling={department_id}") == ["Anna", "Els"]
    assert names(f"?wijk={oost.id}") == ["Cor"]
    assert names(f"?initiatief={imkers.id}") == ["Dewi"]
    assert names("?status=inactief") == ["Els"]
    assert names("?zoek=%25") == []  # a literal %, not a wildcard
    assert names("?soort=nonsense") == ["Anna", "Bram", "Cor", "Dewi", "Els"]  # an unknown value is ignored


def db_id(_client, department_name):
    from organiser.extensions import db

    return db.session.scalar(db.select(Department.id).where(Department.name == department_name))


def test_the_directory_is_paginated(logged_in, create_person):
    for n in range(55):
        create_person(name=f"Medewerker {n:02d}")
    first = logged_in.get("/people").get_data(as_text=True)
    assert "Medewerker 00" in first and "Medewerker 49" in first and "Medewerker 50" not in first
    assert "Pagina 1 van 2" in first and "55 mensen in het adresboek" in first
    second = logged_in.get("/people?pagina=2").get_data(as_text=True)
    assert "Medewerker 50" in second and "Medewerker 54" in second and "Medewerker 49" not in second


def test_deactivate_and_reactivate(logged_in, db, create_person):
    person = create_person(name="Piet Post")
    logged_in.post(f"/people/{person.id}/deactivate")
    db.session.refresh(person)
    assert person.active is False
    assert "Niet actief" in logged_in.get(f"/people/{person.id}").get_data(as_text=True)
    logged_in.post(f"/people/{person.id}/reactivate")
    db.session.refresh(person)
    assert person.active is True


def test_deactivate_needs_a_post_with_csrf(logged_in, db, create_person):
    person = create_person()
    assert logged_in.get(f"/people/{person.id}/deactivate").status_code == 405
    logged_in.post(f"/people/{person.id}/deactivate", csrf=False)
    db.session.refresh(person)
    assert person.active is True


def test_delete_anonymises_and_keeps_counts(logged_in, db, create_person, create_event, create_initiative, organiser):
    initiative = create_initiative()
    person = create_person(name="Piet Post", email="piet@gemeente.example", initiatives=[initiative])
    department_id = person.department_id
    past = create_event(title="Eerder", organiser=organiser, starts_at=utcnow() - timedelta(days=30))
    future = create_event(title="Straks", organiser=organiser)
    answered = Invitation(
        event=past,
        person=person,
        state=InvitationState.YES,
        sent_at=utcnow(),
        note="Vegetarisch, rolstoel",
        token_hash=hash_token(new_token()),
        attended=True,
    )
    listed = Invitation(event=future, person=person, state=InvitationState.LISTED)
    feed = FeedToken(person=person, token_hash=hash_token(new_token()))
    db.session.add_all([answered, listed, feed])
    db.session.commit()

    page = logged_in.get(f"/people/{person.id}/delete").get_data(as_text=True)
    assert "Piet Post verwijderen?" in page
    assert db.session.get(Person, person.id).deleted_at is None  # GET changes nothing
    response = logged_in.post(f"/people/{person.id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/people"
    assert "De gegevens van Piet Post zijn verwijderd." in logged_in.get("/people").get_data(as_text=True)

    person = db.session.get(Person, person.id)
    assert person.name == "Verwijderde persoon" and person.email is None and person.initiatives == []
    assert person.deleted_at is not None and person.active is False
    assert person.kind == PersonKind.STAFF and person.department_id == department_id
    assert person.contact_role == ContactRole.OFFICE
    invitations = db.session.scalars(db.select(Invitation).where(Invitation.person_id == person.id)).all()
    assert len(invitations) == 1  # the unsent listing is gone, the answered invitation stays (counts)
    assert invitations[0].state == InvitationState.YES and invitations[0].attended is True
    assert invitations[0].note == "" and invitations[0].token_hash is None
    assert db.session.get(FeedToken, feed.id).revoked_at is not None
    # Reach can still count an office colleague of that department who attended.
    counted = db.session.scalar(
        db.select(db.func.count())
        .select_from(Invitation)
        .join(Person)
        .where(Person.department_id == department_id, Person.contact_role == ContactRole.OFFICE)
        .where(Invitation.attended.is_(True))
    )
    assert counted == 1
    assert "Verwijderde persoon" not in logged_in.get("/people").get_data(as_text=True)
    assert logged_in.get(f"/people/{person.id}").status_code == 404
    assert logged_in.get(f"/people/{person.id}/edit").status_code == 404


def test_the_email_of_a_deleted_person_can_be_used_again(logged_in, db, create_person, create_department):
    person = create_person(email="piet@gemeente.example")
    logged_in.post(f"/people/{person.id}/delete")
    department = create_department("Beleid")
    response = logged_in.post("/people/new", staff_form(email="piet@gemeente.example", department_id=department.id))
    assert response.status_code == 302
    assert count_people(db) == 2


def test_organiser_mails_a_new_calendar_feed_link(logged_in, db, create_person):
    from organiser.mail.models import OutboxMessage

    person = create_person(name="Fenna Feed", email="fenna@gemeente.example")
    old = FeedToken(person=person, token_hash=hash_token(new_token()))
    db.session.add(old)
    db.session.commit()
    assert "Agendalink mailen" in logged_in.get(f"/people/{person.id}").get_data(as_text=True)
    response = logged_in.post(f"/people/{person.id}/feed-link")
    assert response.status_code == 302
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "feed_link"))
    assert mail.to_address == "fenna@gemeente.example" and "/calendar/personal/" in mail.text_body
    assert db.session.get(FeedToken, old.id).revoked_at is not None


def test_a_new_email_address_clears_the_not_working_mark(logged_in, db, create_person, create_department):
    from organiser.extensions import utcnow

    person = create_person(name="Piet Post", email="piet@gemeente.example")
    person.email_bounced_at, person.email_problem = utcnow(), "5.1.1 User unknown"
    db.session.commit()
    assert "e-mailadres werkt niet" in logged_in.get(f"/people/{person.id}").get_data(as_text=True)
    department = create_department("Burgerzaken")
    form = staff_form(name="Piet Post", email="piet@gemeente.example", department_id=department.id)
    logged_in.post(f"/people/{person.id}/edit", form)  # the same address: still not working
    db.session.refresh(person)
    assert person.email_bounced_at is not None
    logged_in.post(f"/people/{person.id}/edit", {**form, "email": "p.post@gemeente.example"})
    db.session.refresh(person)
    assert person.email_bounced_at is None and person.email_problem == ""
    assert "e-mailadres werkt niet" not in logged_in.get(f"/people/{person.id}").get_data(as_text=True)


def test_search_ignores_case_and_accents_for_people_added_edited_and_imported(logged_in, db, create_person):
    """'umit' finds Ümit on SQLite and PostgreSQL alike, whichever way the person came in."""
    from tests.people.test_import import confirm, preview_url, upload

    create_person(name="Ümit Yılmaz", email="umit@gemeente.example")
    create_person(name="Ayşe Çelik", email="ayse@gemeente.example")
    renamed = create_person(name="Ana Nunez", email="ana@gemeente.example")
    renamed.name = "Ana Ñúñez"  # an edit keeps the search key in step
    db.session.commit()
    create_person(name="Zoë Ørsted", email="zoe@gemeente.example")
    confirm(
        logged_in,
        preview_url(
            upload(
                logged_in,
                "naam;e-mail;soort;afdeling;rol\r\nJosé Müller;JM@gemeente.example;medewerker;Vergunningen;kantoor\r\n",
            )
        ),
    )

    def found(text):
        page = logged_in.get("/people", query_string={"zoek": text}).get_data(as_text=True)
        return [n for n in ("Ümit Yılmaz", "Ayşe Çelik", "Ana Ñúñez", "Zoë Ørsted", "José Müller") if n in page]

    assert found("Ümit") == found("umit") == found("ÜMIT") == found("yilmaz") == ["Ümit Yılmaz"]
    assert found("Çelik") == found("celik") == found("AYSE") == ["Ayşe Çelik"]
    assert found("Ñúñez") == found("nunez") == found("NÚÑEZ") == ["Ana Ñúñez"]
    assert found("orsted") == found("zoe") == ["Zoë Ørsted"]
    assert found("muller") == found("jose") == found("jm@gemeente") == ["José Müller"]
    assert found("100%") == []  # LIKE's wildcards are searched for literally
