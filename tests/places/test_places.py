"""Organisers keep the wijken and residents' initiatives: add, change, and delete what nothing uses."""

from __future__ import annotations

import pytest

from organiser.events.models import Event, EventStatus, Stop
from organiser.people.models import Person, PersonKind
from organiser.places import forms as places_forms
from organiser.places import initiatives as initiative_work
from organiser.places import names
from organiser.places import neighbourhoods as neighbourhood_work
from organiser.places.models import Initiative, Neighbourhood
from tests.factories import recorded_statements


def initiative_form(neighbourhood, **overrides):
    data = {
        "name": "Repair Café Oost",
        "neighbourhood_id": str(neighbourhood.id),
        "address": "Linnaeusstraat 12",
        "description": "Samen spullen repareren.",
    }
    data.update(overrides)
    return data


def resident(db, initiative, name="Kees de Vries"):
    person = Person(name=name, email=f"{name.split()[0].lower()}@voorbeeld.example", kind=PersonKind.RESIDENT)
    person.initiatives = [db.session.merge(initiative)]
    db.session.add(person)
    db.session.commit()
    return person


def initiatives(db):
    return db.session.scalars(db.select(Initiative).order_by(Initiative.name)).all()


def neighbourhoods(db):
    return db.session.scalars(db.select(Neighbourhood).order_by(Neighbourhood.name)).all()


# Slugs


@pytest.mark.parametrize(
    "name, slug",
    [
        ("De Velden", "de-velden"),
        ("Café-buurt Zuid", "cafe-buurt-zuid"),
        ("  Oud-West / Centrum  ", "oud-west-centrum"),
        ("Straße 't Hoogje", "strasse-t-hoogje"),
        ("Ĳsselbuurt", "ijsselbuurt"),
        ("Wijk 12", "wijk-12"),
    ],
)
def test_slugify(name, slug):
    assert names.slugify(name) == slug


# Wijken


def test_add_a_wijk_makes_its_slug_from_the_name(logged_in, db):
    page = logged_in.get("/neighbourhoods").get_data(as_text=True)
    assert "?wijk=de-velden" in page
    assert "verandert de code niet" in page

    response = logged_in.post("/neighbourhoods", {"name": "  Café-buurt   Zuid "})
    assert response.status_code == 302
    assert response.headers["Location"] == "/neighbourhoods"
    [hood] = neighbourhoods(db)
    assert (hood.name, hood.slug) == ("Café-buurt Zuid", "cafe-buurt-zuid")
    page = logged_in.get("/neighbourhoods").get_data(as_text=True)
    assert "De wijk Café-buurt Zuid is toegevoegd." in page
    assert "<code>cafe-buurt-zuid</code>" in page


def test_two_names_with_the_same_slug_get_different_slugs(logged_in, db):
    logged_in.post("/neighbourhoods", {"name": "De Velden"})
    logged_in.post("/neighbourhoods", {"name": "De-Velden"})
    logged_in.post("/neighbourhoods", {"name": "Dé Velden"})
    assert sorted(h.slug for h in neighbourhoods(db)) == ["de-velden", "de-velden-2", "de-velden-3"]


def test_a_wijk_name_is_unique(logged_in, db, create_neighbourhood):
    create_neighbourhood("Oosterpark")
    response = logged_in.post("/neighbourhoods", {"name": "oosterpark"})
    assert response.status_code == 200
    assert "Er is al een wijk met de naam ‘oosterpark’." in response.get_data(as_text=True)
    assert len(neighbourhoods(db)) == 1


def test_a_wijk_needs_a_sensible_name(logged_in, db):
    for name, message in (
        ("", "Vul de naam van de wijk in."),
        ("   ", "Vul de naam van de wijk in."),
        ("x" * 10_000, "De naam mag hoogstens 120 tekens lang zijn."),
    ):
        response = logged_in.post("/neighbourhoods", {"name": name})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Controleer het formulier" in page
        assert message in page, name[:10]
    assert neighbourhoods(db) == []


def test_renaming_keeps_the_slug(logged_in, db, create_neighbourhood):
    hood = create_neighbourhood("De Velden", slug="de-velden")
    page = logged_in.get(f"/neighbourhoods/{hood.id}/edit").get_data(as_text=True)
    assert 'value="De Velden"' in page
    response = logged_in.post(f"/neighbourhoods/{hood.id}/edit", {"name": "Velden-Noord"})
    assert response.status_code == 302
    db.session.expire_all()
    hood = db.session.get(Neighbourhood, hood.id)
    assert (hood.name, hood.slug) == ("Velden-Noord", "de-velden")
    assert "De wijk heet nu Velden-Noord." in logged_in.get("/neighbourhoods").get_data(as_text=True)


def test_renaming_to_another_wijks_name_is_refused(logged_in, db, create_neighbourhood):
    create_neighbourhood("Oosterpark")
    hood = create_neighbourhood("De Velden")
    response = logged_in.post(f"/neighbourhoods/{hood.id}/edit", {"name": "Oosterpark"})
    assert "Er is al een wijk met de naam ‘Oosterpark’." in response.get_data(as_text=True)
    # Its own name (in other capitals) is no clash.
    assert logged_in.post(f"/neighbourhoods/{hood.id}/edit", {"name": "de velden"}).status_code == 302
    assert sorted(h.name for h in neighbourhoods(db)) == ["Oosterpark", "de velden"]


def test_delete_an_unused_wijk(logged_in, db, create_neighbourhood):
    hood = create_neighbourhood("De Velden")
    page = logged_in.get(f"/neighbourhoods/{hood.id}/edit").get_data(as_text=True)
    assert "Wijk verwijderen</button>" in page
    response = logged_in.post(f"/neighbourhoods/{hood.id}/delete")
    assert response.headers["Location"] == "/neighbourhoods"
    assert neighbourhoods(db) == []
    assert "De wijk De Velden is verwijderd." in logged_in.get("/neighbourhoods").get_data(as_text=True)


def test_a_wijk_in_use_is_not_deleted_and_the_page_says_why(logged_in, db, create_initiative, create_event):
    hood = create_initiative("Stadsimkers").neighbourhood
    create_event(neighbourhood_id=hood.id)
    create_event(neighbourhood_id=hood.id)
    page = logged_in.get(f"/neighbourhoods/{hood.id}/edit").get_data(as_text=True)
    assert "Er hoort nog 1 bewonersinitiatief bij deze wijk." in page
    assert "Er zijn 2 bijeenkomsten in deze wijk gehouden of gepland." in page
    assert "Wijk verwijderen</button>" not in page

    response = logged_in.post(f"/neighbourhoods/{hood.id}/delete")
    assert response.headers["Location"] == f"/neighbourhoods/{hood.id}/edit"
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "De wijk Oosterpark kan niet worden verwijderd. Er hoort nog 1 bewonersinitiatief" in page
    assert len(neighbourhoods(db)) == 1


def test_the_wijken_page_counts_initiatives_and_events(logged_in, db, create_neighbourhood, create_event):
    oost = create_neighbourhood("Oost")
    create_neighbourhood("West")
    for name in ("Buurtmoestuin", "Stadsimkers"):
        db.session.add(Initiative(name=name, neighbourhood_id=oost.id))
    db.session.commit()
    create_event(neighbourhood_id=oost.id)
    rows = {r.neighbourhood.name: (r.initiatives, r.events) for r in neighbourhood_work.neighbourhood_overview()}
    assert rows == {"Oost": (2, 1), "West": (0, 0)}
    page = logged_in.get("/neighbourhoods").get_data(as_text=True)
    assert '<a href="/initiatives?wijk=oost">2</a>' in page


# Initiatives


def test_create_an_initiative(logged_in, db, create_neighbourhood):
    hood = create_neighbourhood("Oost")
    page = logged_in.get("/initiatives/new").get_data(as_text=True)
    assert '<label for="neighbourhood_id">Wijk</label>' in page
    response = logged_in.post("/initiatives/new", initiative_form(hood, name="  Repair   Café Oost "))
    assert response.status_code == 302
    assert response.headers["Location"] == "/initiatives"
    [initiative] = initiatives(db)
    assert initiative.name == "Repair Café Oost"
    assert (initiative.neighbourhood_id, initiative.address) == (hood.id, "Linnaeusstraat 12")
    assert initiative.description == "Samen spullen repareren."
    page = logged_in.get("/initiatives").get_data(as_text=True)
    assert "Het initiatief Repair Café Oost is toegevoegd." in page
    assert "Linnaeusstraat 12" in page


def test_new_initiative_form_preselects_the_wijk_being_viewed(logged_in, create_neighbourhood):
    create_neighbourhood("Oost")
    west = create_neighbourhood("West")
    page = logged_in.get("/initiatives?wijk=west").get_data(as_text=True)
    assert 'href="/initiatives/new?wijk=west"' in page
    page = logged_in.get("/initiatives/new?wijk=west").get_data(as_text=True)
    assert f'<option selected value="{west.id}">West</option>' in page


def test_without_wijken_the_form_says_to_add_one_first(logged_in, db):
    page = logged_in.get("/initiatives/new").get_data(as_text=True)
    assert "er zijn nog geen wijken" in page
    response = logged_in.post("/initiatives/new", {"name": "Stadsimkers", "neighbourhood_id": "0"})
    assert "Kies de wijk van het initiatief." in response.get_data(as_text=True)
    assert initiatives(db) == []


def test_an_initiative_name_is_unique(logged_in, db, create_initiative):
    existing = create_initiative("Stadsimkers")
    response = logged_in.post("/initiatives/new", initiative_form(existing.neighbourhood, name="STADSIMKERS"))
    assert response.status_code == 200
    assert "Er is al een initiatief met de naam ‘STADSIMKERS’." in response.get_data(as_text=True)
    assert len(initiatives(db)) == 1


def test_bad_input_gets_a_message_and_saves_nothing(logged_in, db, create_neighbourhood):
    hood = create_neighbourhood("Oost")
    for field, value, message in (
        ("name", "", "Geef het initiatief een naam."),
        ("name", "x" * 10_000, "De naam mag hoogstens 200 tekens lang zijn."),
        ("address", "x" * 10_000, "Het adres mag hoogstens 300 tekens lang zijn."),
        ("description", "x" * 10_000, "De beschrijving mag hoogstens 5.000 tekens lang zijn."),
        ("neighbourhood_id", "0", "Kies de wijk van het initiatief."),
        ("neighbourhood_id", "999999", "Ongeldige keuze."),
        ("neighbourhood_id", "oost", "Kies de wijk van het initiatief."),
    ):
        response = logged_in.post("/initiatives/new", initiative_form(hood, **{field: value}))
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert message in page, (field, value[:10])
        assert f'aria-invalid="true" id="{field}"' in page
    assert initiatives(db) == []


def test_edit_an_initiative_and_move_it_to_another_wijk(logged_in, db, create_initiative, create_neighbourhood):
    initiative = create_initiative("Stadsimkers")
    west = create_neighbourhood("West")
    page = logged_in.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
    assert 'value="Stadsimkers"' in page
    response = logged_in.post(
        f"/initiatives/{initiative.id}/edit",
        initiative_form(west, name="Stadsimkers West", address="Bos en Lommerplein 1", description=""),
    )
    assert response.status_code == 302
    db.session.expire_all()
    initiative = db.session.get(Initiative, initiative.id)
    assert (initiative.name, initiative.neighbourhood_id, initiative.address) == (
        "Stadsimkers West",
        west.id,
        "Bos en Lommerplein 1",
    )
    assert initiative.description == ""


def test_editing_to_another_initiatives_name_is_refused(logged_in, db, create_initiative):
    create_initiative("Stadsimkers")
    initiative = create_initiative("Buurtmoestuin", neighbourhood=db.session.scalar(db.select(Neighbourhood)))
    response = logged_in.post(
        f"/initiatives/{initiative.id}/edit", initiative_form(initiative.neighbourhood, name="stadsimkers")
    )
    assert "Er is al een initiatief met de naam ‘stadsimkers’." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).name == "Buurtmoestuin"


def test_delete_an_unused_initiative(logged_in, db, create_initiative):
    initiative = create_initiative("Stadsimkers")
    response = logged_in.post(f"/initiatives/{initiative.id}/delete")
    assert response.headers["Location"] == "/initiatives"
    assert initiatives(db) == []
    assert "Het initiatief Stadsimkers is verwijderd." in logged_in.get("/initiatives").get_data(as_text=True)


def test_an_initiative_in_use_is_not_deleted_and_the_page_says_why(logged_in, db, create_initiative, create_event):
    initiative = create_initiative("Stadsimkers")
    resident(db, initiative, "Kees de Vries")
    resident(db, initiative, "Ria Zanger")
    event = create_event(hosts=[db.session.merge(initiative)], format="wijksafari")
    event.stops.append(
        Stop(position=1, name="Bijenstal", address="Park 1", starts_at=event.starts_at, ends_at=event.ends_at)
    )
    event.stops[0].initiative_id = initiative.id
    db.session.commit()

    page = logged_in.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
    assert "Er staan nog 2 mensen in het adresboek bij dit initiatief." in page
    assert "Het initiatief is gastheer van 1 bijeenkomst." in page
    assert "Het initiatief is een halte op de route van 1 bijeenkomst." in page
    assert "Initiatief verwijderen</button>" not in page

    response = logged_in.post(f"/initiatives/{initiative.id}/delete")
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Het initiatief Stadsimkers kan niet worden verwijderd. Er staan nog 2 mensen" in page
    assert len(initiatives(db)) == 1
    assert len(db.session.scalars(db.select(Person)).all()) == 2


def test_each_kind_of_use_alone_blocks_deletion(logged_in, db, create_initiative, create_event):
    hood = create_initiative("Stadsimkers").neighbourhood
    resident(db, create_initiative("Met bewoner", neighbourhood=hood))
    create_event(hosts=[create_initiative("Gastheer", neighbourhood=hood)])
    event = create_event(format="wijksafari")
    stop = create_initiative("Halte", neighbourhood=hood)
    event.stops.append(
        Stop(
            position=1, name="Bij", address="Park 1", starts_at=event.starts_at, ends_at=event.ends_at, initiative=stop
        )
    )
    db.session.commit()
    for initiative in initiatives(db):
        logged_in.post(f"/initiatives/{initiative.id}/delete")
    assert [i.name for i in initiatives(db)] == ["Gastheer", "Halte", "Met bewoner"]


def test_the_overview_groups_by_wijk_with_residents_and_events(
    logged_in, db, create_organiser, create_neighbourhood, create_event
):
    oost, west = create_neighbourhood("Oost"), create_neighbourhood("West")
    imkers = Initiative(name="Stadsimkers", neighbourhood_id=oost.id, address="Park 1")
    tuin = Initiative(name="Buurtmoestuin", neighbourhood_id=west.id)
    db.session.add_all([imkers, tuin])
    db.session.commit()
    resident(db, imkers, "Kees de Vries")
    resident(db, imkers, "Ria Zanger")
    gone = resident(db, imkers, "Anna Weg")
    gone.deleted_at, gone.initiatives = gone.created_at, []
    colleague = Person(name="Fatima", email="f@gemeente.example", kind=PersonKind.STAFF, contact_role="office")
    colleague.initiatives = [db.session.merge(imkers)]
    db.session.add(colleague)
    db.session.commit()
    create_event("Bruiscafé bij de imkers", hosts=[db.session.merge(imkers)])
    other = create_organiser("ander@example.org")
    create_event("Geheim concept", hosts=[db.session.merge(imkers)], status=EventStatus.DRAFT, organiser=other)

    page = logged_in.get("/initiatives").get_data(as_text=True)
    assert page.index('<h2 id="wijk-') < page.index("Stadsimkers") < page.index(">West</h2>")
    assert "1 bewonersinitiatief in Oost" in page
    imkers_row = page.split("Stadsimkers</a></th>")[1].split("</tr>")[0]
    assert "Park 1" in imkers_row
    assert f'<a href="/people?initiatief={imkers.id}">2</a>' in imkers_row
    assert "Bruiscafé bij de imkers" in imkers_row
    assert "Geheim concept" not in page

    page = logged_in.get("/initiatives?wijk=west").get_data(as_text=True)
    assert "Buurtmoestuin" in page
    assert "Stadsimkers" not in page


def test_the_overview_takes_the_same_number_of_queries_for_two_or_twelve_initiatives(
    logged_in, db, create_neighbourhood, create_event
):

    hood = create_neighbourhood("Oost")

    def add_initiatives(numbers):
        for n in numbers:
            initiative = Initiative(name=f"Initiatief {n}", neighbourhood_id=hood.id)
            db.session.add(initiative)
            db.session.commit()
            resident(db, initiative, f"Bewoner{n} Achternaam")
            create_event(f"Bijeenkomst {n}", hosts=[db.session.merge(initiative)])

    def queries_for_overview() -> int:
        with recorded_statements(db) as statements:
            page = logged_in.get("/initiatives").get_data(as_text=True)
        assert "Bijeenkomst 1<" in page
        return len(statements)

    add_initiatives(range(2))
    few = queries_for_overview()
    add_initiatives(range(2, 12))
    assert queries_for_overview() == few


# Access


def test_pages_need_a_login(client, db, create_initiative):
    initiative = create_initiative("Stadsimkers")
    hood = initiative.neighbourhood_id
    for url in (
        "/initiatives",
        "/initiatives/new",
        f"/initiatives/{initiative.id}/edit",
        "/neighbourhoods",
        f"/neighbourhoods/{hood}/edit",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    for url in (
        "/initiatives/new",
        f"/initiatives/{initiative.id}/edit",
        f"/initiatives/{initiative.id}/delete",
        "/neighbourhoods",
        f"/neighbourhoods/{hood}/edit",
        f"/neighbourhoods/{hood}/delete",
    ):
        response = client.post(url, {"name": "Nieuw", "neighbourhood_id": str(hood)})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    assert [i.name for i in initiatives(db)] == ["Stadsimkers"]
    assert [h.name for h in neighbourhoods(db)] == ["Oosterpark"]


def test_posts_without_csrf_token_change_nothing(logged_in, db, create_initiative):
    initiative = create_initiative("Stadsimkers")
    logged_in.post(f"/initiatives/{initiative.id}/delete", csrf=False)
    logged_in.post("/neighbourhoods", {"name": "West"}, csrf=False)
    assert len(initiatives(db)) == 1
    assert len(neighbourhoods(db)) == 1


def test_a_name_taken_in_the_meantime_gives_a_message_not_an_error(logged_in, db, create_initiative, monkeypatch):
    # Two organisers submit the same new name at once: both pass the form's check; the database refuses one.
    existing = create_initiative("Stadsimkers")
    monkeypatch.setattr(places_forms, "initiative_name_taken", lambda *args: False)
    response = logged_in.post("/initiatives/new", initiative_form(existing.neighbourhood, name="Stadsimkers"))
    assert response.status_code == 200
    assert "iemand anders heeft intussen iets gewijzigd" in response.get_data(as_text=True)
    assert len(initiatives(db)) == 1


def test_menu_and_import_page_link_to_the_initiatives(logged_in):
    page = logged_in.get("/events").get_data(as_text=True)
    nav = page.split('aria-label="Hoofdmenu"')[1].split("</nav>")[0]
    assert '<a href="/initiatives" >Initiatieven</a>' in nav
    page = logged_in.get("/people/import").get_data(as_text=True)
    assert "Het initiatief moet al bestaan." in page
    assert '<a href="/initiatives">Bekijk de initiatieven of voeg er een toe</a>' in page
    assert 'href="/neighbourhoods"' in logged_in.get("/initiatives").get_data(as_text=True)


def test_delete_initiative_refuses_with_the_reasons(db, app, create_initiative, create_event):
    """Refused while used, so the schema's ON DELETE CASCADE never silently unlinks a host."""
    initiative = create_initiative("Stadsimkers")
    event = create_event(hosts=[db.session.merge(initiative)])
    with app.test_request_context(), pytest.raises(names.StillInUse) as refusal:
        initiative_work.delete_initiative(db.session.get(Initiative, initiative.id))
    assert refusal.value.reasons[1] == "Het initiatief is gastheer van 1 bijeenkomst."
    db.session.rollback()
    assert [i.name for i in db.session.get(Event, event.id).hosts] == ["Stadsimkers"]
