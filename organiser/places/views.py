"""Pages for keeping the wijken and the residents' initiatives."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..forms import EmptyForm, required
from . import initiatives as initiative_work
from . import neighbourhoods as neighbourhood_work
from .forms import InitiativeFilterForm, InitiativeForm, NeighbourhoodForm
from .models import Initiative, Neighbourhood
from .names import StillInUse

bp = Blueprint("places", __name__)


@bp.get("/initiatives")
@login_required
def initiatives():
    """The residents' initiatives per wijk, with their residents in the directory and the events they hosted."""
    form = InitiativeFilterForm(request.args)
    chosen = form.chosen()
    groups = initiative_work.initiative_overview(chosen.id if chosen else None)
    return render_template("places/initiatives.html", form=form, chosen=chosen, groups=groups)


@bp.route("/initiatives/new", methods=["GET", "POST"])
@login_required
def create_initiative():
    """Add a residents' initiative."""
    form = InitiativeForm()
    if request.method == "GET" and (chosen := InitiativeFilterForm(request.args).chosen()):
        form.neighbourhood_id.data = chosen.id
    if form.validate_on_submit() and _saved(lambda: initiative_work.create_initiative(form.details())):
        flash(_("Het initiatief %(name)s is toegevoegd.", name=form.name.data), "success")
        return redirect(url_for("places.initiatives"))
    return render_template("places/initiative_form.html", form=form, initiative=None)


@bp.route("/initiatives/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit_initiative(initiative_id: int):
    """Change an initiative; it can be deleted here once nothing refers to it."""
    initiative = db.get_or_404(Initiative, initiative_id)
    form = InitiativeForm(obj=initiative, initiative=initiative)
    if form.validate_on_submit() and _saved(lambda: initiative_work.update_initiative(initiative, form.details())):
        flash(_("De wijzigingen zijn opgeslagen."), "success")
        return redirect(url_for("places.initiatives"))
    return render_template(
        "places/initiative_form.html",
        form=form,
        initiative=initiative,
        references=initiative_work.initiative_references(initiative),
    )


@bp.post("/initiatives/<int:initiative_id>/delete")
@login_required
def delete_initiative(initiative_id: int):
    """Delete an initiative nothing refers to; otherwise say what still does."""
    initiative = db.get_or_404(Initiative, initiative_id)
    return _delete(
        lambda: initiative_work.delete_initiative(initiative),
        done=_("Het initiatief %(name)s is verwijderd.", name=initiative.name),
        listing=url_for("places.initiatives"),
        back=url_for("places.edit_initiative", initiative_id=initiative.id),
    )


@bp.route("/neighbourhoods", methods=["GET", "POST"])
@login_required
def neighbourhoods():
    """The wijken, with how much uses each, and a form to add one."""
    form = NeighbourhoodForm()
    if form.validate_on_submit() and _saved(lambda: neighbourhood_work.create_neighbourhood(required(form.name.data))):
        flash(_("De wijk %(name)s is toegevoegd.", name=form.name.data), "success")
        return redirect(url_for("places.neighbourhoods"))
    return render_template("places/neighbourhoods.html", form=form, rows=neighbourhood_work.neighbourhood_overview())


@bp.route("/neighbourhoods/<int:neighbourhood_id>/edit", methods=["GET", "POST"])
@login_required
def edit_neighbourhood(neighbourhood_id: int):
    """Rename a wijk (its slug stays); it can be deleted here once nothing uses it."""
    hood = db.get_or_404(Neighbourhood, neighbourhood_id)
    form = NeighbourhoodForm(obj=hood, neighbourhood=hood)
    if form.validate_on_submit() and _saved(
        lambda: neighbourhood_work.rename_neighbourhood(hood, required(form.name.data))
    ):
        flash(_("De wijk heet nu %(name)s.", name=form.name.data), "success")
        return redirect(url_for("places.neighbourhoods"))
    return render_template(
        "places/neighbourhood_form.html",
        form=form,
        neighbourhood=hood,
        references=neighbourhood_work.neighbourhood_references(hood),
    )


@bp.post("/neighbourhoods/<int:neighbourhood_id>/delete")
@login_required
def delete_neighbourhood(neighbourhood_id: int):
    """Delete a wijk nothing uses; otherwise say what still does."""
    hood = db.get_or_404(Neighbourhood, neighbourhood_id)
    return _delete(
        lambda: neighbourhood_work.delete_neighbourhood(hood),
        done=_("De wijk %(name)s is verwijderd.", name=hood.name),
        listing=url_for("places.neighbourhoods"),
        back=url_for("places.edit_neighbourhood", neighbourhood_id=hood.id),
    )


def _delete(change, *, done: str, listing: str, back: str):
    """Delete (the change) on a valid button press and go to the listing; otherwise back to the edit page.

    The message and both URLs are made before the change: the deleted row has no name or id afterwards."""
    if EmptyForm().validate_on_submit() and _saved(change):
        flash(done, "success")
        return redirect(listing)
    return redirect(back)


def _saved(change) -> bool:
    """Make the change and commit once; False, with the reason shown, when it may not or could not be made."""
    try:
        change()
        db.session.commit()
    except StillInUse as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return False
    except IntegrityError:
        # Another organiser took the same name, or started using what is being deleted, in the meantime.
        db.session.rollback()
        flash(
            _("Dit kon niet worden opgeslagen: iemand anders heeft intussen iets gewijzigd. Probeer het opnieuw."),
            "error",
        )
        return False
    return True
