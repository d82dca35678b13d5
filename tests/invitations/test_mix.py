"""The target mix of a guest list and where it falls short."""

from __future__ import annotations

import pytest

from organiser.invitations.guest_list import ON_LIST_STATES, YES_STATES
from organiser.invitations.mix import mix_for, mix_shortfalls
from organiser.invitations.models import InvitationState

pytestmark = pytest.mark.usefixtures("in_request")


@pytest.fixture
def event(create_event, organiser):
    return create_event(organiser=organiser, min_office_share=50)


def test_counts_and_shares_by_role_and_department(event, create_person, create_initiative, invite):
    initiative = create_initiative()
    invite(event, create_person(department="Vergunningen"), InvitationState.YES)
    invite(event, create_person(department="Vergunningen"), InvitationState.INVITED)
    invite(event, create_person(department="Financiën"), InvitationState.MAYBE)
    invite(event, create_person(department="Wijkteams", role="frontline"), InvitationState.YES)
    invite(event, create_person(kind="resident", initiatives=[initiative]), InvitationState.YES)
    invite(event, create_person(department="Beleid"), InvitationState.NO)

    listed = mix_for(event, ON_LIST_STATES)
    assert (listed.staff, listed.residents, listed.office, listed.frontline) == (4, 1, 3, 1)
    assert listed.office_share == 0.75
    assert [(r.label, r.count, r.percent) for r in listed.by_role] == [
        ("Kantoor", 3, "75%"),
        ("Contactrol (frontlinie)", 1, "25%"),
    ]
    assert [(r.label, r.count, r.percent) for r in listed.by_department] == [
        ("Vergunningen", 2, "50%"),
        ("Financiën", 1, "25%"),
        ("Wijkteams", 1, "25%"),
    ]
    yes = mix_for(event, YES_STATES)
    assert (yes.staff, yes.residents, yes.office, yes.frontline) == (2, 1, 1, 1)
    assert [(r.label, r.percent) for r in yes.by_department] == [("Vergunningen", "50%"), ("Wijkteams", "50%")]
    everyone = mix_for(event, InvitationState)
    assert everyone.staff == 5 and everyone.office == 4


def test_an_empty_list_has_no_shares(event):
    mix = mix_for(event, ON_LIST_STATES)
    assert mix.staff == 0 and mix.office_share is None and [r.percent for r in mix.by_role] == ["–", "–"]


def test_shortfalls_in_plain_dutch(db, event, create_person, create_initiative, invite):
    moestuin = create_initiative("Moestuin De Groene Vingers")
    event.hosts = [moestuin]
    db.session.commit()
    assert mix_shortfalls(event) == [
        "Er staan nog geen collega's op de lijst; het doel is dat minstens 50% van hen op kantoor werkt.",
        "Er is nog geen collega met een contactrol (frontlinie) uitgenodigd.",
        "Bewonersinitiatief Moestuin De Groene Vingers is nog niet vertegenwoordigd.",
    ]
    invite(event, create_person(role="office"), InvitationState.LISTED)
    for _ in range(2):
        invite(event, create_person(role="frontline", department="Wijkteams"), InvitationState.LISTED)
    assert mix_shortfalls(event) == [
        "Maar 33% van de uitgenodigde collega's werkt op kantoor; het doel is minstens 50%.",
        "Bewonersinitiatief Moestuin De Groene Vingers is nog niet vertegenwoordigd.",
    ]
    invite(event, create_person(role="office"), InvitationState.LISTED)
    invite(event, create_person(kind="resident", initiatives=[moestuin]), InvitationState.LISTED)
    assert mix_shortfalls(event) == []


def test_declines_do_not_help_the_mix(db, event, create_person, create_initiative, invite):
    moestuin = create_initiative("Moestuin De Groene Vingers")
    event.hosts = [moestuin]
    db.session.commit()
    invite(event, create_person(role="office"), InvitationState.LISTED)
    invite(event, create_person(role="frontline", department="Wijkteams"), InvitationState.NO)
    invite(event, create_person(kind="resident", initiatives=[moestuin]), InvitationState.NO)
    assert mix_shortfalls(event) == [
        "Er is nog geen collega met een contactrol (frontlinie) uitgenodigd.",
        "Bewonersinitiatief Moestuin De Groene Vingers is nog niet vertegenwoordigd.",
    ]


def test_a_colleague_of_the_host_initiative_does_not_represent_it(db, event, create_person, create_initiative, invite):
    moestuin = create_initiative("Moestuin De Groene Vingers")
    event.hosts = [moestuin]
    db.session.commit()
    invite(event, create_person(role="frontline", initiatives=[moestuin]), InvitationState.LISTED)
    assert "Bewonersinitiatief Moestuin De Groene Vingers is nog niet vertegenwoordigd." in mix_shortfalls(event)


def test_the_target_comes_from_the_event(db, event, create_person, invite):
    invite(event, create_person(role="office"), InvitationState.LISTED)
    invite(event, create_person(role="frontline"), InvitationState.LISTED)
    invite(event, create_person(role="frontline"), InvitationState.LISTED)
    event.min_office_share = 30
    db.session.commit()
    assert mix_shortfalls(event) == []
    event.min_office_share = 34
    db.session.commit()
    assert mix_shortfalls(event) == [
        "Maar 33% van de uitgenodigde collega's werkt op kantoor; het doel is minstens 34%."
    ]


def test_the_new_event_form_defaults_to_the_configured_share(app, logged_in):
    app.config["DEFAULT_OFFICE_SHARE"] = 60
    page = logged_in.get("/events/new/bruiscafe").get_data(as_text=True)
    assert 'name="min_office_share"' in page and 'value="60"' in page


def test_shares_are_rounded_not_cut_off(db, event, create_person, invite, logged_in):
    """1 of 6 is 17% (not 16%) on the guest list page; a shortfall never reads as reaching the target."""
    for n in range(6):
        invite(
            event,
            create_person(
                department="Vergunningen" if n == 0 else "Wijkteams", role="office" if n == 0 else "frontline"
            ),
        )
    listed = mix_for(event, ON_LIST_STATES)
    assert [(r.label, r.percent) for r in listed.by_role] == [("Kantoor", "17%"), ("Contactrol (frontlinie)", "83%")]
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert ">17%<" in page and ">83%<" in page and ">16%<" not in page

    # 99 of 200 office (49,5%) against a target of 50: whole percent would say 50%, so one decimal is shown.
    event.min_office_share = 50
    db.session.commit()
    from fractions import Fraction

    from organiser.i18n import percent_below, percent_text, whole_percent

    assert percent_below(Fraction(99, 200), 50) == "49,5" and percent_below(Fraction(1, 6), 50) == "17"
    assert [whole_percent(x) for x in (Fraction(1, 8), 0.145, 1 / 6, 0.125, 0.005, 0.994)] == [13, 15, 17, 13, 1, 99]
    assert percent_text(2 / 3) == "67%"
