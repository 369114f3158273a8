"""Pages of the endpoint registry and its groups."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings.auth.access import authenticated, roles
from meetings.auth.roles import ADMIN
from meetings.core.feedback import feedback_on
from meetings.core.forms import ConfirmForm
from meetings.endpoints import services
from meetings.endpoints.forms import EndpointForm, GroupForm, MergeForm, RetireForm
from meetings.endpoints.models import KINDS, REGIONS
from meetings.endpoints.reorganisation import REORGANISATION_DAY, apply_province_merge
from meetings.errors import ValidationError

bp = Blueprint("endpoints", __name__)

STATUS_CHOICES = {"active": True, "retired": False, "all": None}


@bp.get("/endpoints")
@authenticated
def index():
    status = request.args.get("status", "active")
    criteria = services.EndpointFilter(
        query=request.args.get("q", "").strip(),
        kind=request.args.get("kind", "") if request.args.get("kind") in KINDS else "",
        region=request.args.get("region", "") if request.args.get("region") in REGIONS else "",
        active=STATUS_CHOICES.get(status, True),
    )
    endpoints = services.search_endpoints(criteria)
    return render_template(
        "endpoints/index.html", endpoints=endpoints, criteria=criteria, status=status, kinds=KINDS, regions=REGIONS
    )


@bp.get("/endpoints/<code>")
@authenticated
def show(code: str):
    endpoint = services.get_endpoint(code)
    memberships = [group for group, codes in services.groups_with_members() if endpoint.code in codes]
    own = current_user.role == ADMIN or (current_user.role == "operator" and current_user.endpoint_id == endpoint.id)
    feed_url = (
        url_for("ical.endpoint_calendar", code=endpoint.code, token=endpoint.calendar_token, _external=True)
        if own
        else None
    )
    return render_template(
        "endpoints/show.html", endpoint=endpoint, groups=memberships, confirm=ConfirmForm(), feed_url=feed_url
    )


@bp.route("/endpoints/<code>/edit", methods=["GET", "POST"])
@roles(ADMIN)
def edit(code: str):
    endpoint = services.get_endpoint(code)
    form = EndpointForm(obj=endpoint)
    if form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items() if name in services.EDITABLE_FIELDS}
        values["seats"] = values.get("seats") or 0
        with feedback_on(form, catch=ValidationError):
            services.update_endpoint(endpoint, values, actor=current_user, name_changed_on=form.name_changed_on.data)
            flash(_("Changes saved."), "success")
            return redirect(url_for("endpoints.show", code=endpoint.code))
    return render_template("endpoints/edit.html", endpoint=endpoint, form=form)


@bp.route("/endpoints/<code>/retire", methods=["GET", "POST"])
@roles(ADMIN)
def retire(code: str):
    endpoint = services.get_endpoint(code)
    retire_form = RetireForm(prefix="retire", on=date.today())
    merge_form = MergeForm(prefix="merge", on=date.today())
    merge_form.successor.choices = [
        (e.code, f"{e.name} ({e.code})")
        for e in services.search_endpoints(services.EndpointFilter())
        if e.id != endpoint.id
    ]
    action = request.form.get("action")
    with feedback_on(merge_form if action == "merge" else retire_form, catch=ValidationError):
        if action == "retire" and retire_form.validate_on_submit():
            services.retire_endpoint(
                endpoint, on=retire_form.on.data, actor=current_user, reason=retire_form.reason.data or ""
            )
            flash(_("The endpoint is retired. It stays in the history of past meetings."), "success")
            return redirect(url_for("endpoints.show", code=endpoint.code))
        if action == "merge" and merge_form.validate_on_submit():
            successor = services.get_endpoint(merge_form.successor.data)
            services.merge_endpoint(
                endpoint, successor, on=merge_form.on.data, actor=current_user, reason=merge_form.reason.data or ""
            )
            flash(_("The endpoint is merged into %(name)s.", name=successor.name), "success")
            return redirect(url_for("endpoints.show", code=endpoint.code))
    return render_template("endpoints/retire.html", endpoint=endpoint, retire_form=retire_form, merge_form=merge_form)


@bp.post("/endpoints/<code>/reactivate")
@roles(ADMIN)
def reactivate(code: str):
    endpoint = services.get_endpoint(code)
    if ConfirmForm().validate_on_submit():
        with feedback_on():
            services.reactivate_endpoint(endpoint, actor=current_user)
            flash(_("The endpoint is active again."), "success")
    return redirect(url_for("endpoints.show", code=endpoint.code))


@bp.post("/endpoints/<code>/calendar-token")
@roles(ADMIN)
def rotate_calendar_token(code: str):
    endpoint = services.get_endpoint(code)
    if ConfirmForm().validate_on_submit():
        services.rotate_calendar_token(endpoint, actor=current_user)
        flash(_("The calendar address has changed; subscribers must use the new one."), "success")
    return redirect(url_for("endpoints.show", code=endpoint.code))


@bp.route("/endpoints/reorganisation", methods=["GET", "POST"])
@roles(ADMIN)
def reorganisation():
    form = ConfirmForm()
    if form.validate_on_submit():
        report = apply_province_merge(actor=current_user)
        if report.already_done:
            flash(_("The reorganisation had already been applied; nothing changed."), "info")
        else:
            flash(
                _(
                    "%(merged)d departments merged, %(renamed)d renamed.",
                    merged=len(report.merged),
                    renamed=len(report.renamed),
                ),
                "success",
            )
        return redirect(url_for("endpoints.index"))
    from meetings.endpoints.seed import read_seed_csv

    mapping = [row for row in read_seed_csv("province_merge_2025.csv") if row["old_gso_code"] != row["new_gso_code"]]
    return render_template("endpoints/reorganisation.html", form=form, mapping=mapping, day=REORGANISATION_DAY)


@bp.get("/groups")
@authenticated
def groups():
    return render_template("endpoints/groups.html", groups=services.groups_with_members())


def _member_choices() -> list[tuple[str, str]]:
    return [(e.code, f"{e.name} ({e.code})") for e in services.search_endpoints(services.EndpointFilter())]


@bp.route("/groups/new", methods=["GET", "POST"])
@roles(ADMIN)
def create_group():
    form = GroupForm()
    form.members.choices = _member_choices()
    if form.validate_on_submit():
        with feedback_on(form, catch=ValidationError):
            group = services.create_group(
                name=form.name.data,
                label_vi=form.label_vi.data,
                label_en=form.label_en.data or "",
                description=form.description.data or "",
                member_codes=form.members.data or [],
                actor=current_user,
            )
            flash(_("Group created."), "success")
            return redirect(url_for("endpoints.show_group", name=group.name))
    return render_template("endpoints/group_form.html", form=form, group=None)


@bp.get("/groups/<name>")
@authenticated
def show_group(name: str):
    group = services.get_group(name)
    return render_template(
        "endpoints/group.html", group=group, members=services.group_members_of(group), confirm=ConfirmForm()
    )


@bp.route("/groups/<name>/edit", methods=["GET", "POST"])
@roles(ADMIN)
def edit_group(name: str):
    group = services.get_group(name)
    form = GroupForm(obj=group) if request.method == "GET" else GroupForm()
    form.members.choices = _member_choices()
    if request.method == "GET":
        form.members.data = [e.code for e in group.members]
    form.name.data = group.name
    if form.validate_on_submit():
        with feedback_on(form, catch=ValidationError):
            services.update_group(
                group,
                label_vi=form.label_vi.data,
                label_en=form.label_en.data or "",
                description=form.description.data or "",
                member_codes=form.members.data or [],
                actor=current_user,
            )
            flash(_("Changes saved."), "success")
            return redirect(url_for("endpoints.show_group", name=group.name))
    return render_template("endpoints/group_form.html", form=form, group=group)


@bp.post("/groups/<name>/delete")
@roles(ADMIN)
def delete_group(name: str):
    group = services.get_group(name)
    if ConfirmForm().validate_on_submit():
        with feedback_on() as refusal:
            services.delete_group(group, actor=current_user)
            flash(_("Group deleted."), "success")
        if refusal.refused:
            return redirect(url_for("endpoints.show_group", name=name))
    return redirect(url_for("endpoints.groups"))
