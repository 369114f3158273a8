"""Pages for savings: a meeting's savings explained, and the administration of cost-rate versions."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings.auth.access import authenticated, roles
from meetings.auth.roles import ADMIN
from meetings.booking import queries
from meetings.booking.services import get_meeting
from meetings.core.feedback import feedback_on
from meetings.core.forms import ConfirmForm
from meetings.errors import ConflictError, ValidationError
from meetings.savings import rates as rate_service
from meetings.savings import services
from meetings.savings.calculator import DESTINATION, MODES, RATE_FIELDS, FareBand, default_rates
from meetings.savings.forms import RateForm
from meetings.savings.models import CostRate

bp = Blueprint("savings", __name__)

BLANK_FARE_ROWS = 3


@bp.get("/meetings/<int:meeting_id>/savings")
@authenticated
def meeting(meeting_id: int):
    meeting_ = get_meeting(meeting_id)
    shown = queries.endpoints_shown_to(meeting_, current_user)
    try:
        report, problem = services.report(meeting_), None
    except ConflictError as error:
        report, problem = None, error.message
    lines = services.shown_lines(meeting_, report, shown) if report else []
    return render_template("savings/meeting.html", meeting=meeting_, report=report, problem=problem, lines=lines,
                           day=services.meeting_day(meeting_), destination=DESTINATION, confirm=ConfirmForm())


@bp.post("/meetings/<int:meeting_id>/savings/recompute")
@roles(ADMIN)
def recompute(meeting_id: int):
    meeting_ = get_meeting(meeting_id)
    if ConfirmForm().validate_on_submit():
        with feedback_on(catch=ConflictError):
            snapshot = services.recompute(meeting_, actor=current_user)
            flash(_("Savings recomputed with the rates in force from %(day)s.",
                    day=snapshot.rates_effective_from.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("savings.meeting", meeting_id=meeting_id))


@bp.get("/admin/rates")
@roles(ADMIN)
def rates():
    versions = rate_service.list_rates()
    in_force = rate_service.rate_on(date.today())
    return render_template("savings/rates.html", versions=versions, in_force=in_force, confirm=ConfirmForm())


def _fare_rows(rate: CostRate | None) -> list[dict[str, str]]:
    """The fare table as typed (after a refused save) or as stored, with blank rows to add more."""
    if request.method == "POST":
        indexes = sorted({int(key.split("-")[1]) for key in request.form if key.startswith("fare-")
                          and key.split("-")[1].isdigit()})
        rows = [{name: request.form.get(f"fare-{i}-{name}", "") for name in ("mode", "from_km", "fare_vnd")}
                for i in indexes]
        rows = [row for row in rows if row["from_km"].strip() or row["fare_vnd"].strip()]
    else:
        fares = rate.fares if rate is not None else default_rates().fares
        rows = [{"mode": f.mode, "from_km": str(f.from_km), "fare_vnd": str(f.fare_vnd)} for f in fares]
    return rows + [{"mode": "road", "from_km": "", "fare_vnd": ""} for _ in range(BLANK_FARE_ROWS)]


def _parse_fares() -> tuple[list[FareBand], str | None]:
    fares, problem = [], None
    for row in _fare_rows(None):
        if not row["from_km"].strip() and not row["fare_vnd"].strip():
            continue
        if row["mode"] not in MODES or not row["from_km"].strip().isdigit() or not row["fare_vnd"].strip().isdigit():
            problem = _("Each fare needs a kind (road or air), a distance in km and an amount in đồng, "
                        "as whole numbers.")
            continue
        fares.append(FareBand(row["mode"], int(row["from_km"]), int(row["fare_vnd"])))
    return fares, problem


def _edit(rate: CostRate | None):
    form = RateForm(obj=rate) if request.method == "GET" and rate is not None else RateForm()
    if request.method == "GET" and rate is None:
        latest = rate_service.list_rates()
        source = latest[0].to_rates() if latest else default_rates()
        for name in RATE_FIELDS:
            form[name].data = getattr(source, name)
        form.effective_from.data = date.today()
    fare_problem = None
    if form.validate_on_submit():
        fares, fare_problem = _parse_fares()
        if fare_problem is None:
            with feedback_on(form, keep={"fares"}, catch=ValidationError) as refusal:
                saved = rate_service.save_rate(rate, effective_from=form.effective_from.data,
                                               values={name: form[name].data for name in RATE_FIELDS}, fares=fares,
                                               note=form.note.data or "", actor=current_user)
                flash(_("Rates in force from %(day)s saved. Stored savings keep their rates until an administrator "
                        "recomputes them.", day=saved.effective_from.strftime("%d/%m/%Y")), "success")
                return redirect(url_for("savings.rates"))
            fare_problem = refusal.others.get("fares")
    status = 422 if request.method == "POST" else 200
    return render_template("savings/rate_form.html", form=form, rate=rate, fares=_fare_rows(rate),
                           fare_problem=fare_problem, modes=MODES), status


@bp.route("/admin/rates/new", methods=["GET", "POST"])
@roles(ADMIN)
def new_rate():
    return _edit(None)


@bp.route("/admin/rates/<int:rate_id>/edit", methods=["GET", "POST"])
@roles(ADMIN)
def edit_rate(rate_id: int):
    return _edit(rate_service.get_rate(rate_id))


@bp.post("/admin/rates/<int:rate_id>/delete")
@roles(ADMIN)
def delete_rate(rate_id: int):
    rate = rate_service.get_rate(rate_id)
    if ConfirmForm().validate_on_submit():
        with feedback_on(catch=ConflictError):
            rate_service.delete_rate(rate, actor=current_user)
            flash(_("The version is deleted."), "success")
    return redirect(url_for("savings.rates"))


@bp.app_template_global("savings_summary")
def savings_summary(meeting):
    """For the meeting page after the meeting: the stored savings, else the estimate."""
    return services.report(meeting)
