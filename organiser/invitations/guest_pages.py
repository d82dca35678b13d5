"""The organiser's guest-list pages: the list with its mix, searching the directory to add people, taking someone
off, and the suggested colleagues (sending and the answers: organiser_pages.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..events.access import event_for_organiser
from ..events.models import Event
from ..extensions import db
from ..forms import EmptyForm, required
from ..people.forms import DirectoryFilterForm
from ..people.models import ContactRole, Person
from ..web import page_number, safe_next
from . import guest_list as guests
from . import mix
from . import suggestions as suggesting
from .blueprint import bp
from .forms import AcceptSuggestionsForm, GuestSelectionForm, SuggestionCountForm
from .models import Invitation

SEARCH_PER_PAGE = 50


def invitation_of(event: Event, invitation_id: int) -> Invitation:
    """An invitation to this event (the organiser's pages name it by id); 404 for any other."""
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.event_id != event.id:
        abort(404)
    return invitation


def _refuse_if_cancelled(event: Event) -> bool:
    if event.is_cancelled:
        flash(_("Deze bijeenkomst is afgelast; de gastenlijst kan niet meer worden aangevuld."), "error")
        return True
    return False


def _added(add: Callable[[], int]) -> int | None:
    """Put people on the list (`add` returns how many) and commit; None, with the reason shown, when someone else
    added the same person at the same moment (the unique invitation per person and event)."""
    try:
        count = add()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(_("De gastenlijst is intussen door iemand anders gewijzigd. Probeer het nog eens."), "error")
        return None
    return count


@bp.get("/events/<int:event_id>/guests")
@login_required
def guest_list(event_id: int):
    """The guest list with its mix at a glance, and searching the directory to add people."""
    event = event_for_organiser(event_id)
    search = DirectoryFilterForm(request.args, with_status=False)
    results = None
    if request.args.get("zoeken"):
        query = guests.guest_candidates_query(event, search.to_filter()).options(
            selectinload(Person.department), selectinload(Person.initiatives)
        )
        results = db.paginate(query, page=page_number(), per_page=SEARCH_PER_PAGE, error_out=False)
    listed_mix = mix.mix_for(event, guests.ON_LIST_STATES)
    return render_template(
        "invitations/guest_list.html",
        event=event,
        invitations=guests.guest_list(event),
        mix_listed=listed_mix,
        mix_yes=mix.mix_for(event, guests.YES_STATES),
        shortfalls=mix.mix_shortfalls(event, listed_mix),
        search=search,
        search_args={**search.query_args(), "zoeken": "1"},
        results=results,
        selection_form=GuestSelectionForm(),
        suggestion_form=SuggestionCountForm(),
    )


@bp.post("/events/<int:event_id>/guests/add")
@login_required
def add_guests(event_id: int):
    """Put the ticked people on the guest list (not invited yet)."""
    event = event_for_organiser(event_id)
    form = GuestSelectionForm()
    back = safe_next(form.next.data) or url_for("invitations.guest_list", event_id=event.id)
    if _refuse_if_cancelled(event) or not form.validate_on_submit():
        return redirect(back)
    ticked = set(form.person_ids.data or [])
    count = _added(lambda: guests.add_to_guest_list(event, ticked))
    if count is None:
        return redirect(back)
    if count:
        flash(
            ngettext("%(num)d persoon op de gastenlijst gezet.", "%(num)d mensen op de gastenlijst gezet.", count),
            "success",
        )
    elif not ticked:
        flash(_("Er is niemand toegevoegd. Vink de mensen aan die u op de lijst wilt zetten."), "info")
    if ticked and count < len(ticked):
        # A second click, another tab, or a colleague who added them (or took someone out of the directory) meanwhile.
        skipped = len(ticked) - count
        flash(
            ngettext(
                "%(num)d van wie u aanvinkte, staat al op de lijst of niet meer in het adresboek.",
                "%(num)d van wie u aanvinkte, staan al op de lijst of niet meer in het adresboek.",
                skipped,
            ),
            "info",
        )
    return redirect(back)


@bp.post("/events/<int:event_id>/guests/<int:invitation_id>/remove")
@login_required
def remove_guest(event_id: int, invitation_id: int):
    """Take someone off the list, as long as their invitation has not been sent."""
    event = event_for_organiser(event_id)
    invitation = invitation_of(event, invitation_id)
    if EmptyForm().validate_on_submit():
        name = invitation.person.name
        if guests.remove_from_guest_list(invitation):
            db.session.commit()
            flash(_("%(name)s staat niet meer op de gastenlijst.", name=name), "success")
        else:
            flash(
                _("%(name)s is al uitgenodigd en kan niet meer van de lijst worden gehaald.", name=name),
                "error",
            )
    return redirect(url_for("invitations.guest_list", event_id=event.id))


@bp.get("/events/<int:event_id>/guests/suggestions")
@login_required
def suggestions(event_id: int):
    """Colleagues the organiser might invite, with the reason for each; nothing changes until accepted."""
    event = event_for_organiser(event_id)
    form = SuggestionCountForm(request.args)
    n = form.aantal.data if form.validate() and form.aantal.data else 10
    listed_mix = mix.mix_for(event, guests.ON_LIST_STATES)
    suggested = suggesting.suggest_colleagues(event, n)
    return render_template(
        "invitations/suggestions.html",
        event=event,
        form=form,
        n=n,
        suggestions=suggested,
        shortfalls=mix.mix_shortfalls(event, listed_mix),
        # Office colleagues are suggested first: where the list lacks a frontline colleague and no suggestion is
        # one, the page points to the directory's frontline colleagues instead of leaving the warning unanswered.
        frontline_search=None
        if listed_mix.frontline or any(not s.person.is_office for s in suggested)
        else url_for(
            "invitations.guest_list",
            event_id=event.id,
            zoeken="1",
            rol=ContactRole.FRONTLINE.value,
            _anchor="add-heading",
        ),
        accept_form=AcceptSuggestionsForm(),
    )


@bp.post("/events/<int:event_id>/guests/suggestions")
@login_required
def accept_suggestions(event_id: int):
    """Put the accepted suggestions on the guest list, each with its reason."""
    event = event_for_organiser(event_id)
    form = AcceptSuggestionsForm()
    if _refuse_if_cancelled(event) or not form.validate_on_submit():
        return redirect(url_for("invitations.guest_list", event_id=event.id))
    chosen = form.person_ids.data or []
    count = _added(lambda: suggesting.accept_suggestions(event, chosen, required(form.aantal.data)))
    if count is None:
        return redirect(url_for("invitations.guest_list", event_id=event.id))
    if count:
        flash(
            ngettext(
                "%(num)d voorgestelde collega op de gastenlijst gezet.",
                "%(num)d voorgestelde collega's op de gastenlijst gezet.",
                count,
            ),
            "success",
        )
    else:
        flash(_("Er is niemand toegevoegd."), "info")
    if count < len(set(chosen)):
        flash(
            _("Niet iedereen kon worden toegevoegd: de lijst of het adresboek is intussen veranderd."),
            "info",
        )
    return redirect(url_for("invitations.guest_list", event_id=event.id))
