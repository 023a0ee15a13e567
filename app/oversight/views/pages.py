"""The bureau's oversight in the browser: its workbench, the centers' side (applying, records, reports),
the experts' assignments and the public notice.

Pages of the oversight. Views parse the form, call one service function, then redirect or render; a refused
action renders the same page again with the message and what the user typed, so nothing is lost."""

from collections.abc import Callable
from datetime import date

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from app.db import get_session
from app.oversight import rules
from app.oversight.forms import (
    DOCUMENT_ROWS,
    EXPERT_ROWS,
    FOUNDER_ROWS,
    application_data,
    document_uploads,
    expert_ids,
    form_data,
    score_data,
)
from app.oversight.services import application_documents as documents
from app.oversight.services import applications as application_service
from app.oversight.services import calls as call_service
from app.oversight.services import center_records as records
from app.oversight.services import evaluations, legal_entities
from app.oversight.services import experts as expert_service
from app.oversight.services import fund as fund_service
from app.oversight.services import governance as governance_service
from app.oversight.services import notice as notice_service
from app.oversight.services import promotion as promotion_service
from app.oversight.services import rectification as rectification_service
from app.oversight.services import registry as registry_service
from app.oversight.services.access import user_names
from app.oversight.views import yardstick_context
from app.oversight.views.blueprint import bp
from app.platform.errors import ServiceError
from app.platform.permissions import (
    is_bureau,
    may_manage_governance,
    may_see_contribution_amounts,
    require_bureau,
    require_expert,
    require_member,
)
from app.platform.taxonomy import industry_choices
from app.platform.validation import parse_id
from app.trading.services import challenge_reviews
from app.trading.services import price_notices as price_notice_service
from app.web import limits
from app.web.identity import current_user_or_none
from app.web.input_guards import accepts_upload
from models import AssignmentSubject, CenterApplication, CenterEvaluation, Organization

Page = Callable[..., tuple[str, int]]


def attempt(action: Callable[[], object], success: str, target: Callable[[object], str], page: Page):
    """Run a service call from a form: on success flash and redirect, on refusal show the page again."""
    try:
        result = action()
    except ServiceError as exc:
        return page(errors=exc.fields, error_message=exc.message, status=exc.status)
    flash(success, "success")
    return redirect(target(result))


# --- the bureau's workbench -----------------------------------------------------------------------------------------


@bp.route("/bureau")
@login_required
def home():
    """The bureau's workbench: centers by status and the work waiting at each step."""
    session, user = get_session(), current_user_or_none()
    require_bureau(user)
    waiting = {
        status: application_service.list_applications(session=session, user=user, status=status)
        for status in ("applied", "review", "inspection", "notice")
    }
    return render_template(
        "oversight/home.html",
        counts=registry_service.status_counts(session=session),
        waiting=waiting,
        centers=_center_names(session, user),
    )


def _center_names(session, user) -> dict[int, str]:
    return {c.id: c.name for c in registry_service.registry(session=session, user=user)}


@bp.route("/bureau/centers")
@login_required
def registry():
    """The centers' registry, every status."""
    status = request.args.get("status") or None
    session, user = get_session(), current_user_or_none()
    centers = registry_service.registry(session=session, user=user, status=status)
    return render_template(
        "oversight/registry.html",
        centers=centers,
        status=status,
        awaiting_licence=legal_entities.awaiting_licence(session=session, user=user),
    )


def _center_page(center_id: int, *, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    record = registry_service.center_record(session=session, user=user, center_id=center_id)
    return render_template(
        "oversight/center.html",
        record=record,
        activity=records.center_activity(session=session, center_id=center_id),
        evaluations=evaluations.center_evaluations(session=session, user=user, center_id=center_id),
        fund=fund_service.center_applications(session=session, user=user, center_id=center_id),
        assessment=evaluations.assessment(
            session=session, user=user, center_id=center_id, end_year=date.today().year - 1
        ),
        flags=records.flags(session=session, user=user, center_id=center_id),
        **yardstick_context.center_context(session, user, center_id),
        governance=governance_service.members_of(session, record.center),
        contributions=governance_service.contributions_of(
            session, record.center, show_amounts=may_see_contribution_amounts(user, record.center)
        ),
        contributor_options=[(o.id, o.name) for o in governance_service.contributors(session, record.center)],
        may_manage_governance=may_manage_governance(user, record.center),
        legal_entity_pending=legal_entities.is_placeholder(
            org.credit_code if (org := session.get(Organization, record.center.org_id or 0)) else None
        ),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/bureau/centers/<int:center_id>")
@login_required
def center(center_id: int):
    """A center's registry record: founders, experts, applications, promotions, records, evaluations, history."""
    return _center_page(center_id)


@bp.route("/bureau/centers/<int:center_id>/legal-entity", methods=["POST"])
@limits.writes
@login_required
def complete_legal_entity(center_id: int):
    """Complete a center's legal entity from its business licence (bureau)."""
    return attempt(
        lambda: legal_entities.complete_legal_entity(
            session=get_session(), user=current_user_or_none(), center_id=center_id, data=form_data()
        ),
        _("The center's legal entity is complete."),
        lambda _r: url_for("oversight.center", center_id=center_id),
        lambda **kw: _center_page(center_id, **kw),
    )


@bp.route("/bureau/centers/<int:center_id>/promotions", methods=["POST"])
@limits.writes
@login_required
def recommend_promotion(center_id: int):
    """Recommend a filed center for the next level."""
    return attempt(
        lambda: promotion_service.recommend_promotion(
            session=get_session(), user=current_user_or_none(), center_id=center_id, data=form_data()
        ),
        _("Recommended for promotion."),
        lambda _r: url_for("oversight.center", center_id=center_id),
        lambda **kw: _center_page(center_id, **kw),
    )


GOVERNANCE_WRITES = {
    "governance": (governance_service.add_governance_member, lambda: _("The member is recorded.")),
    "contributions": (governance_service.record_contribution, lambda: _("The contribution is recorded.")),
}


@bp.route("/bureau/centers/<int:center_id>/<any('governance', 'contributions'):kind>", methods=["POST"])
@limits.writes
@login_required
def governance_write(center_id: int, kind: str):
    """Seat a member on the center's decision body or expert committee, or record a member's contribution (the
    center's own users and the bureau)."""
    service, message = GOVERNANCE_WRITES[kind]
    return attempt(
        lambda: service(
            session=get_session(), user=current_user_or_none(), center_id=center_id, data=form_data()
        ),
        message(),
        lambda _r: url_for("oversight.center", center_id=center_id) + f"#{kind}",
        lambda **kw: _center_page(center_id, **kw),
    )


@bp.route("/bureau/promotions/<int:promotion_id>/outcome", methods=["POST"])
@limits.writes
@login_required
def promotion_outcome(promotion_id: int):
    """Record a promotion's outcome."""
    center_id = parse_id(request.form.get("center_id")) or 0
    return attempt(
        lambda: promotion_service.record_promotion_outcome(
            session=get_session(), user=current_user_or_none(), promotion_id=promotion_id, data=form_data()
        ),
        _("Outcome recorded."),
        lambda p: url_for("oversight.center", center_id=p.center_id),
        lambda **kw: _center_page(center_id, **kw),
    )


# --- calls --------------------------------------------------------------------------------------------------------


def _calls_page(*, errors=None, error_message=None, status=200):
    user = current_user_or_none()
    require_bureau(user)
    return render_template(
        "oversight/calls.html",
        calls=call_service.list_calls(session=get_session()),
        criteria=rules.APPLICATION_CRITERIA,
        industries=industry_choices(),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/bureau/calls", methods=["GET", "POST"])
@limits.writes
@login_required
def calls():
    """Calls for applications, and a form to publish one."""
    if request.method == "GET":
        return _calls_page()
    data = form_data()
    data["weights"] = {name: data.pop(f"weight_{name}", "") for name in rules.APPLICATION_CRITERIA}
    return attempt(
        lambda: call_service.create_call(session=get_session(), user=current_user_or_none(), data=data),
        _("The call is published."),
        lambda _c: url_for("oversight.calls"),
        _calls_page,
    )


@bp.route("/bureau/applications")
@login_required
def applications():
    """Applications by step: every one for the bureau, its own for an organization (as in the API)."""
    session, user = get_session(), current_user_or_none()
    status = request.args.get("status") or None
    rows = application_service.list_applications(session=session, user=user, status=status)
    return render_template(
        "oversight/applications.html",
        applications=rows,
        status=status,
        centers=application_service.center_names(session=session, applications=rows),
        desk=is_bureau(user),
    )


# --- one application --------------------------------------------------------------------------------------------------


def _document_upload_hints() -> dict:
    return {
        "document_types": ",".join(documents.DOCUMENT_TYPES),
        "upload_mb": round(current_app.config["UPLOAD_MAX_BYTES"] / 1024 / 1024, 1),
    }


def _application_page(application_id: int, *, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    view = application_service.application_view(session=session, user=user, application_id=application_id)
    experts = expert_service.experts(session=session) if is_bureau(user) else []
    owner = user_names(session, [view.application.step_owner_id]).get(view.application.step_owner_id)
    return render_template(
        "oversight/application.html",
        view=view,
        experts=experts,
        owner=owner,
        notice_days=current_app.config["NOTICE_DAYS"],
        today=date.today(),
        may_add_documents=view.application.applicant_org_id == user.org_id
        and view.application.status in documents.IN_PROGRESS,
        may_remove_documents=view.application.applicant_org_id == user.org_id
        and view.application.status in documents.REMOVABLE,
        **_document_upload_hints(),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    """One application: for the bureau with its decisions, for the applicant with its outcome and reasons."""
    return _application_page(application_id)


@bp.route("/applications/<int:application_id>/documents", methods=["POST"])
@accepts_upload
@limits.writes
@login_required
def add_document(application_id: int):
    """The applicant adds a document to an application in progress."""
    return attempt(
        lambda: documents.add_document(
            session=get_session(),
            user=current_user_or_none(),
            application_id=application_id,
            data=form_data(),
            upload=request.files.get("file"),
        ),
        _("File attached."),
        lambda _d: url_for("oversight.application", application_id=application_id) + "#documents",
        lambda **kw: _application_page(application_id, **kw),
    )


@bp.route("/applications/<int:application_id>/documents/<int:document_id>/delete", methods=["POST"])
@limits.writes
@login_required
def remove_document(application_id: int, document_id: int):
    """The applicant removes a document before the expert review begins."""
    return attempt(
        lambda: documents.remove_document(
            session=get_session(),
            user=current_user_or_none(),
            application_id=application_id,
            document_id=document_id,
        ),
        _("Document removed."),
        lambda _d: url_for("oversight.application", application_id=application_id) + "#documents",
        lambda **kw: _application_page(application_id, **kw),
    )


@bp.route("/applications/<int:application_id>/documents/<int:document_id>")
@login_required
def document(application_id: int, document_id: int):
    """A document of an application: the applicant, the bureau and the assigned experts only."""
    path, name, mimetype = documents.document_file(
        session=get_session(),
        user=current_user_or_none(),
        application_id=application_id,
        document_id=document_id,
    )
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


STEPS = {
    "panel": (application_service.form_panel, lambda: _("The application is with the expert panel.")),
    "review-decision": (application_service.conclude_review, lambda: _("The expert review is concluded.")),
    "filing": (application_service.decide_filing, lambda: _("The decision is recorded.")),
    "refusal": (application_service.refuse_application, lambda: _("The application is refused.")),
}


@bp.route(
    "/applications/<int:application_id>/<any('panel', 'review-decision', 'filing', 'refusal'):step>",
    methods=["POST"],
)
@limits.writes
@login_required
def application_step(application_id: int, step: str):
    """The bureau's decision at one step of an application."""
    service, message = STEPS[step]
    data = form_data()
    if step == "panel":
        data["expert_ids"] = expert_ids()
    return attempt(
        lambda: service(
            session=get_session(), user=current_user_or_none(), application_id=application_id, data=data
        ),
        message(),
        lambda _a: url_for("oversight.application", application_id=application_id),
        lambda **kw: _application_page(application_id, **kw),
    )


@bp.route("/applications/<int:application_id>/inspection", methods=["POST"])
@limits.writes
@login_required
def inspection(application_id: int):
    """Record the site inspection."""
    return attempt(
        lambda: application_service.record_inspection(
            session=get_session(),
            user=current_user_or_none(),
            application_id=application_id,
            data=form_data(),
            default_notice_days=current_app.config["NOTICE_DAYS"],
        ),
        _("The site inspection is recorded."),
        lambda _a: url_for("oversight.application", application_id=application_id),
        lambda **kw: _application_page(application_id, **kw),
    )


@bp.route("/bureau/objections/<int:objection_id>/answer", methods=["POST"])
@limits.writes
@login_required
def answer_objection(objection_id: int):
    """Answer an objection raised during the notice."""
    application_id = parse_id(request.form.get("application_id")) or 0
    return attempt(
        lambda: notice_service.answer_objection(
            session=get_session(), user=current_user_or_none(), objection_id=objection_id, data=form_data()
        ),
        _("The answer is recorded."),
        lambda o: url_for("oversight.application", application_id=o.application_id),
        lambda **kw: _application_page(application_id, **kw),
    )


@bp.route("/applications/<int:application_id>/objections/dismiss", methods=["POST"])
@limits.writes
@login_required
def dismiss_objections(application_id: int):
    """Set aside the ticked objections as duplicates or spam, with one reason."""
    data = {**form_data(), "ids": [parse_id(v) or v for v in request.form.getlist("ids")]}
    return attempt(
        lambda: notice_service.dismiss_objections(
            session=get_session(), user=current_user_or_none(), application_id=application_id, data=data
        ),
        _("The objections are dismissed."),
        lambda _d: url_for("oversight.application", application_id=application_id) + "#objections",
        lambda **kw: _application_page(application_id, **kw),
    )


# --- public notice and calls ------------------------------------------------------------------------------------------


def _notices_page(*, errors=None, error_message=None, status=200, objecting: int | None = None):
    session = get_session()
    notices = notice_service.on_notice(session=session)
    rectifying, revoked = rectification_service.public(session=session)
    return render_template(
        "oversight/notices.html",
        notices=notices,
        answers=notice_service.public_answers(
            session=session, application_ids=[a.id for a, _c in notices if a.id is not None]
        ),
        rectifying=rectifying,
        revoked=revoked,
        calls=call_service.list_calls(session=session, open_only=True),
        price_notices=price_notice_service.on_notice(session=session),
        price_notice_state=lambda n: price_notice_service.state_of(session, n),
        price_objections=lambda n: price_notice_service.objections_of(session, n.id),
        objecting=objecting,
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/notices")
def notices():
    """Public notice (公示): centers about to be filed, with an objection form; rectification orders and
    revocations of filing, with their reasons; and the open calls."""
    return _notices_page()


@bp.route("/notices/<int:application_id>/objections", methods=["POST"])
@limits.objection_by_address
@limits.objection_by_application
def raise_objection(application_id: int):
    """Anyone may object while a notice runs."""
    return attempt(
        lambda: notice_service.raise_objection(
            session=get_session(), application_id=application_id, data=form_data()
        ),
        _("Your objection is recorded; the bureau will answer it before deciding."),
        lambda _o: url_for("oversight.notices"),
        lambda **kw: _notices_page(objecting=application_id, **kw),
    )


def _apply_page(call_id: int, *, errors=None, error_message=None, status=200):
    call = call_service.get_call(session=get_session(), call_id=call_id)
    return render_template(
        "oversight/apply.html",
        call=call,
        errors=errors or {},
        error_message=error_message,
        form=request.form,
        founder_rows=range(FOUNDER_ROWS),
        expert_rows=range(EXPERT_ROWS),
        document_rows=range(DOCUMENT_ROWS),
        **_document_upload_hints(),
    ), status


@bp.route("/calls/<int:call_id>/apply", methods=["GET", "POST"])
@accepts_upload(files=DOCUMENT_ROWS)
@limits.writes
@login_required
def apply(call_id: int):
    """Apply to create a center in a call's domain."""
    user = application_service.require_applicant(current_user_or_none())
    if request.method == "GET":
        return _apply_page(call_id)
    return attempt(
        lambda: application_service.submit_application(
            session=get_session(),
            user=user,
            call_id=call_id,
            data=application_data(),
            uploads=document_uploads(),
        ),
        _("Your application is submitted. The bureau will send it to an expert panel."),
        lambda a: url_for("oversight.application", application_id=a.id),
        lambda **kw: _apply_page(call_id, **kw),
    )


# --- the center's side ------------------------------------------------------------------------------------------------


def _my_center_page(*, errors=None, error_message=None, status=200, center_id: int | None = None):
    session, user = get_session(), current_user_or_none()
    require_member(user, _("Only the users of a center or an applicant unit have this page."))
    centers = records.managed_centers(session=session, user=user)
    filed = [c for c in centers if c.status == "filed"]
    panels = {
        c.id: {
            "activity": records.center_activity(session=session, center_id=c.id),
            "evaluations": evaluations.center_evaluations(session=session, user=user, center_id=c.id),
            "flags": records.flags(session=session, user=user, center_id=c.id),
            "fund": fund_service.center_applications(session=session, user=user, center_id=c.id),
            **yardstick_context.center_context(session, user, c.id),
            "achievements": [
                (a.id, a.title) for a in records.center_achievements(session=session, center_id=c.id)
            ],
        }
        for c in filed
    }
    return render_template(
        "oversight/my_center.html",
        centers=centers,
        panels=panels,
        applications=application_service.list_applications(session=session, user=user),
        calls=call_service.list_calls(session=session, open_only=True),
        active=center_id,
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/my-center")
@login_required
def my_center():
    """A center's own page: applications and their outcome, trainings, cooperation, flags, annual reports."""
    return _my_center_page()


RECORDS = {
    "trainings": (records.add_training, lambda: _("The training is recorded.")),
    "cooperation": (records.add_cooperation, lambda: _("The cooperation project is recorded.")),
    "first-use-flags": (
        records.flag_first_use,
        lambda: _("The achievement is flagged for the bureau's review."),
    ),
}


@bp.route(
    "/my-center/<int:center_id>/<any('trainings', 'cooperation', 'first-use-flags'):kind>", methods=["POST"]
)
@limits.writes
@login_required
def add_record(center_id: int, kind: str):
    """Record a training, an international cooperation project, or a first-commercialization flag."""
    service, message = RECORDS[kind]
    return attempt(
        lambda: service(
            session=get_session(), user=current_user_or_none(), center_id=center_id, data=form_data()
        ),
        message(),
        lambda _r: url_for("oversight.my_center") + f"#center-{center_id}",
        lambda **kw: _my_center_page(center_id=center_id, **kw),
    )


# --- first commercialization ------------------------------------------------------------------------------------------


def _flags_page(*, errors=None, error_message=None, status=200):
    rows = records.flags(session=get_session(), user=current_user_or_none())
    return render_template(
        "oversight/first_use.html",
        flags=rows,
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/bureau/first-use")
@login_required
def first_use():
    """Flags of first commercial application (首台套/首批次) and the recommended list."""
    return _flags_page()


@bp.route("/bureau/first-use/<int:flag_id>/review", methods=["POST"])
@limits.writes
@login_required
def review_flag(flag_id: int):
    """Recommend or decline one flag."""
    return attempt(
        lambda: records.review_flag(
            session=get_session(), user=current_user_or_none(), flag_id=flag_id, data=form_data()
        ),
        _("The review is recorded."),
        lambda _f: url_for("oversight.first_use"),
        _flags_page,
    )


@bp.route("/bureau/first-use/recommended.csv")
@login_required
def recommended_csv():
    """The recommended list as CSV."""
    text = records.recommended_csv(session=get_session(), user=current_user_or_none())
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=first-commercialization-recommended.csv"},
    )


# --- evaluations --------------------------------------------------------------------------------------------------


def _rounds_page(*, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    require_bureau(user)
    rounds = [
        (r, evaluations.evaluations_of_round(session=session, user=user, round_id=r.id))
        for r in evaluations.rounds(session=session)
    ]
    return render_template(
        "oversight/rounds.html",
        rounds=rounds,
        errors=errors or {},
        error_message=error_message,
        form=request.form,
        this_year=date.today().year,
    ), status


@bp.route("/bureau/evaluations", methods=["GET", "POST"])
@limits.writes
@login_required
def rounds():
    """Annual evaluation rounds, and a form to open one."""
    if request.method == "GET":
        return _rounds_page()
    return attempt(
        lambda: evaluations.open_round(session=get_session(), user=current_user_or_none(), data=form_data()),
        _("The evaluation round is open; every filed center can now submit its report."),
        lambda _r: url_for("oversight.rounds"),
        _rounds_page,
    )


def _evaluation_page(evaluation_id: int, *, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    view = evaluations.evaluation_view(session=session, user=user, evaluation_id=evaluation_id)
    experts = expert_service.experts(session=session) if is_bureau(user) else []
    return render_template(
        "oversight/evaluation.html",
        view=view,
        experts=experts,
        **yardstick_context.evaluation_context(session, user, view.evaluation, view.round.year),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/evaluations/<int:evaluation_id>")
@login_required
def evaluation(evaluation_id: int):
    """One annual evaluation: the report, the computed indicators, the scores and the grade."""
    return _evaluation_page(evaluation_id)


EVALUATION_STEPS = {
    "report": (evaluations.submit_report, lambda: _("The report is submitted.")),
    "experts": (evaluations.assign_experts, lambda: _("The experts are assigned.")),
    "grade": (evaluations.grade, lambda: _("The grade is recorded.")),
}


@bp.route("/evaluations/<int:evaluation_id>/<any('report', 'experts', 'grade'):step>", methods=["POST"])
@limits.writes
@login_required
def evaluation_step(evaluation_id: int, step: str):
    """Submit the report (the center), assign experts or grade (the bureau)."""
    service, message = EVALUATION_STEPS[step]
    data = form_data()
    if step == "experts":
        data["expert_ids"] = expert_ids()
    return attempt(
        lambda: service(
            session=get_session(), user=current_user_or_none(), evaluation_id=evaluation_id, data=data
        ),
        message(),
        lambda _e: url_for("oversight.evaluation", evaluation_id=evaluation_id),
        lambda **kw: _evaluation_page(evaluation_id, **kw),
    )


# --- experts ------------------------------------------------------------------------------------------------------


@bp.route("/expert")
@login_required
def assignments():
    """The expert's assignments."""
    session, user = get_session(), current_user_or_none()
    rows = expert_service.my_assignments(session=session, user=user)
    return render_template("oversight/assignments.html", rows=[(row, _subject(row)) for row in rows])


def _subject(row) -> dict:
    """What an assignment is about, for its title and link."""
    session = get_session()
    if row.subject == AssignmentSubject.fund_application:
        fund_view = fund_service.application_view(
            session=session, user=current_user_or_none(), application_id=row.subject_id
        )
        return {
            "title": f"{fund_view.center.name} · {fund_view.call.title}",
            "kind": _("Development fund application"),
            "status": fund_view.application.status,
            "open": fund_view.application.status == "submitted",
            "link": url_for("oversight.fund_application", application_id=row.subject_id),
        }
    if row.subject == AssignmentSubject.challenge_proposal:
        challenge, proposal, team = challenge_reviews.proposal_for_expert(
            session=session, user=current_user_or_none(), proposal_id=row.subject_id
        )
        return {
            "title": f"{challenge.title} · {team}",
            "kind": _("Open challenge proposal"),
            "status": challenge.status,
            "open": challenge.status == "open",
            "link": url_for("trading.challenge", challenge_id=challenge.id),
            "proposal": proposal,
        }
    if row.subject == AssignmentSubject.application:
        application = session.get(CenterApplication, row.subject_id)
        view = application_service.application_view(
            session=session, user=current_user_or_none(), application_id=application.id
        )
        return {
            "title": view.center.name,
            "kind": _("Center application"),
            "status": application.status,
            "open": application.status == "review",
            "application": view,
        }
    evaluation_row = session.get(CenterEvaluation, row.subject_id)
    view = evaluations.evaluation_view(
        session=session, user=current_user_or_none(), evaluation_id=evaluation_row.id
    )
    return {
        "title": view.center.name,
        "kind": _("Annual evaluation %(year)s", year=view.round.year),
        "status": "graded" if evaluation_row.grade else "open",
        "open": evaluation_row.grade is None,
        "evaluation": view,
    }


def _assignment_page(assignment_id: int, *, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    row = expert_service.get_assignment(session=session, user=user, assignment_id=assignment_id)
    return render_template(
        "oversight/assignment.html",
        row=row,
        subject=_subject(row),
        criteria=expert_service.criteria_for(session, row),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/expert/assignments/<int:assignment_id>")
@login_required
def assignment(assignment_id: int):
    """One assignment: what to score, the conflict declaration and the score sheet."""
    require_expert(current_user_or_none())
    return _assignment_page(assignment_id)


ASSIGNMENT_STEPS = {
    "conflict": (expert_service.declare_conflict, form_data, lambda: _("Your declaration is recorded.")),
    "score": (expert_service.submit_score, score_data, lambda: _("Your scores and opinion are recorded.")),
}


@bp.route("/expert/assignments/<int:assignment_id>/<any('conflict', 'score'):step>", methods=["POST"])
@limits.writes
@login_required
def assignment_step(assignment_id: int, step: str):
    """Declare conflicts of interest, or submit scores and the written opinion."""
    service, read_form, message = ASSIGNMENT_STEPS[step]
    return attempt(
        lambda: service(
            session=get_session(), user=current_user_or_none(), assignment_id=assignment_id, data=read_form()
        ),
        message(),
        lambda _r: url_for("oversight.assignment", assignment_id=assignment_id),
        lambda **kw: _assignment_page(assignment_id, **kw),
    )
