"""Open trading in the browser: a seller's trading page for an achievement (mode, auction, price notice), the
auctions and their bidding page (which polls `auction_state` from a static script), price-notice objections on
`/notices`, and open challenges with their proposals.

Views parse the form, call one service function, then redirect or render; a refused action renders the page again
with the message and what the user typed."""

from collections.abc import Callable

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.db import get_session
from app.oversight.forms import expert_ids
from app.oversight.services import experts as expert_service
from app.platform.errors import ServiceError
from app.platform.permissions import is_bureau, require_bureau
from app.trading import labels
from app.trading.forms import auction_data, form_data, join_data, valuation_data
from app.trading.services import auctions, challenges, modes, price_notices, valuations
from app.trading.services.challenge_reviews import ask_experts as request_experts
from app.trading.services.challenge_reviews import expert_means, panel_of
from app.trading.services.sellers import own_achievement
from app.web import labels as web_labels
from app.web import limits
from app.web.identity import current_user_or_none
from models import Achievement, Need

bp = Blueprint("trading", __name__)

Page = Callable[..., tuple[str, int]]


def attempt(action: Callable[[], object], success: str, target: Callable[[object], str], page: Page):
    """Run a service call from a form: on success flash and redirect, on refusal show the page again."""
    try:
        result = action()
    except ServiceError as exc:
        return page(errors=exc.fields, error_message=exc.message, status=exc.status)
    flash(success, "success")
    return redirect(target(result))


@bp.app_context_processor
def _trading_facts():
    """`trading_facts(achievement_id)` for the achievement page: its mode, asking price, auction and notice."""

    def trading_facts(achievement_id: int) -> dict:
        # The page reads them twice (the facts list and the trading section): once per request.
        known = g.setdefault("trading_facts", {})
        if achievement_id not in known:
            known[achievement_id] = _facts(achievement_id)
        return known[achievement_id]

    def _facts(achievement_id: int) -> dict:
        session = get_session()
        row = modes.mode_of(session, achievement_id)
        notice = price_notices.latest(session, achievement_id)
        return {
            "mode": row.mode if row is not None else "negotiated",
            "asking_price": row.asking_price if row is not None else None,
            "auction": auctions.auction_of(session, achievement_id),
            "notice": notice,
            "notice_state": price_notices.state_of(session, notice),
        }

    def published_valuation(achievement_id: int) -> dict | None:
        """The valuation the seller published with the listing, as everyone sees it; None otherwise."""
        session = get_session()
        row = valuations.published_valuation(session, achievement_id)
        achievement = session.get(Achievement, achievement_id)
        if row is None or achievement is None:
            return None
        return valuations.valuation_view(session, achievement, row)

    return {"trading_facts": trading_facts, "published_valuation": published_valuation}


# --- the seller's trading page -------------------------------------------------------------------------------------


def _sell_page(achievement_id: int, *, errors=None, error_message=None, status=200, form_id: str = ""):
    session, user = get_session(), current_user_or_none()
    achievement = own_achievement(session, user, achievement_id)
    notice = price_notices.latest(session, achievement_id)
    return render_template(
        "trading/sell.html",
        achievement=achievement,
        trading=modes.mode_of(session, achievement_id),
        auction=auctions.auction_of(session, achievement_id),
        notice=notice,
        notice_state=price_notices.state_of(session, notice),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
        form_id=form_id or request.form.get("form_id", ""),
    ), status


@bp.route("/achievements/<int:achievement_id>/trading")
@login_required
def sell(achievement_id: int):
    """How the seller sells this achievement: 协议定价, 挂牌 or 拍卖, and its price notice."""
    return _sell_page(achievement_id)


@bp.route("/achievements/<int:achievement_id>/trading", methods=["POST"])
@login_required
@limits.writes
def set_mode(achievement_id: int):
    return attempt(
        lambda: modes.set_mode(
            session=get_session(),
            user=current_user_or_none(),
            achievement_id=achievement_id,
            data=form_data(),
        ),
        _("The trading mode is saved."),
        lambda _r: url_for("trading.sell", achievement_id=achievement_id),
        lambda **kw: _sell_page(achievement_id, **kw),
    )


@bp.route("/achievements/<int:achievement_id>/auction", methods=["POST"])
@login_required
@limits.writes
def open_auction(achievement_id: int):
    return attempt(
        lambda: auctions.create_auction(
            session=get_session(),
            user=current_user_or_none(),
            achievement_id=achievement_id,
            data=auction_data(),
        ),
        _("The auction is open."),
        lambda a: url_for("trading.auction", auction_id=a.id),
        lambda **kw: _sell_page(achievement_id, **kw),
    )


@bp.route("/achievements/<int:achievement_id>/price-notice", methods=["POST"])
@login_required
@limits.writes
def open_price_notice(achievement_id: int):
    return attempt(
        lambda: price_notices.open_notice(
            session=get_session(),
            user=current_user_or_none(),
            achievement_id=achievement_id,
            data=form_data(),
        ),
        _("The price notice is published on the notices page."),
        lambda _n: url_for("trading.sell", achievement_id=achievement_id),
        lambda **kw: _sell_page(achievement_id, **kw),
    )


# --- valuation guidance (科技成果评价) ------------------------------------------------------------------------------


def _valuation_page(achievement_id: int, *, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    view = valuations.get_valuation(session=session, user=user, achievement_id=achievement_id)
    achievement = session.get(Achievement, achievement_id)
    assessment = view["assessment"] or {}
    return render_template(
        "trading/valuation.html",
        achievement=achievement,
        valuation=view,
        may_edit=valuations.may_edit(user, achievement),
        options={
            "ip_type": list(labels.VALUATION_IP_TYPES.items()),
            "ip_status": list(web_labels.IP_STATUSES.items()),
            "market_readiness": list(labels.MARKET_READINESS.items()),
            "application_readiness": list(labels.APPLICATION_READINESS.items()),
        },
        errors=errors or {},
        error_message=error_message,
        form=request.form
        if errors is not None or error_message
        else {k: str(v) for k, v in assessment.items()},
    ), status


@bp.route("/achievements/<int:achievement_id>/valuation")
def valuation(achievement_id: int):
    """The valuation guidance: the seller's assessment form, the suggested range, its reasons, the comparables.
    Like the API, it is the seller's and the bureau's, and everyone's once published (404 otherwise)."""
    return _valuation_page(achievement_id)


@bp.route("/achievements/<int:achievement_id>/valuation", methods=["POST"])
@login_required
@limits.writes
def save_valuation(achievement_id: int):
    return attempt(
        lambda: valuations.save_valuation(
            session=get_session(),
            user=current_user_or_none(),
            achievement_id=achievement_id,
            data=valuation_data(),
        ),
        _("The assessment is saved."),
        lambda _r: url_for("trading.valuation", achievement_id=achievement_id),
        lambda **kw: _valuation_page(achievement_id, **kw),
    )


# --- auctions ----------------------------------------------------------------------------------------------------


@bp.route("/auctions")
def auction_list():
    """Auctions, running ones first."""
    session = get_session()
    rows = auctions.list_auctions(session=session)
    titles = {a.id: session.get(Achievement, a.achievement_id) for a in rows}
    return render_template("trading/auctions.html", auctions=rows, achievements=titles, phase=auctions.phase)


def _auction_page(auction_id: int, *, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    auction = auctions.get_auction(session=session, auction_id=auction_id)
    return render_template(
        "trading/auction.html",
        auction=auction,
        achievement=session.get(Achievement, auction.achievement_id),
        state=auctions.view(session=session, user=user, auction=auction),
        terms=auctions.AUCTION_TERMS,
        nda=auctions.PLATFORM_NDA,
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/auctions/<int:auction_id>")
def auction(auction_id: int):
    """The bidding page: the price, the end, the bids (masked), the bid form; it refreshes itself."""
    return _auction_page(auction_id)


@bp.route("/auctions/<int:auction_id>/state")
def auction_state(auction_id: int):
    """What the bidding page polls: the auction as the reader may see it (JSON)."""
    session = get_session()
    auction = auctions.get_auction(session=session, auction_id=auction_id)
    response = jsonify(auctions.view(session=session, user=current_user_or_none(), auction=auction))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/auctions/<int:auction_id>/join", methods=["POST"])
@login_required
@limits.writes
def join_auction(auction_id: int):
    return attempt(
        lambda: auctions.join(
            session=get_session(), user=current_user_or_none(), auction_id=auction_id, **join_data()
        ),
        _("You may bid now."),
        lambda _r: url_for("trading.auction", auction_id=auction_id),
        lambda **kw: _auction_page(auction_id, **kw),
    )


@bp.route("/auctions/<int:auction_id>/bids", methods=["POST"])
@login_required
@limits.writes
def place_bid(auction_id: int):
    return attempt(
        lambda: auctions.place_bid(
            session=get_session(), user=current_user_or_none(), auction_id=auction_id, data=form_data()
        ),
        _("Your bid is accepted."),
        lambda _b: url_for("trading.auction", auction_id=auction_id),
        lambda **kw: _auction_page(auction_id, **kw),
    )


# --- price notices (shown on /notices) ---------------------------------------------------------------------------


@bp.route("/price-notices/<int:notice_id>/objections", methods=["POST"])
@limits.objection_by_address
def object_to_price(notice_id: int):
    """Anyone may object while a price notice runs."""
    try:
        price_notices.raise_objection(session=get_session(), notice_id=notice_id, data=form_data())
    except ServiceError as exc:
        from app.oversight.views.pages import _notices_page

        return _notices_page(errors=exc.fields, error_message=exc.message, status=exc.status)
    flash(_("Your objection is recorded; the bureau will answer it."), "success")
    return redirect(url_for("oversight.notices"))


@bp.route("/price-objections/<int:objection_id>/answer", methods=["POST"])
@login_required
@limits.writes
def answer_price_objection(objection_id: int):
    """The bureau answers an objection to a price notice (and may uphold it)."""
    require_bureau(current_user_or_none())
    data = form_data()
    data["upheld"] = data.get("upheld") == "on"
    try:
        price_notices.answer_objection(
            session=get_session(), user=current_user_or_none(), objection_id=objection_id, data=data
        )
    except ServiceError as exc:
        flash(" ".join([exc.message, *exc.fields.values()]), "error")
        return redirect(url_for("oversight.notices"))
    flash(_("The answer is recorded."), "success")
    return redirect(url_for("oversight.notices"))


# --- open challenges ---------------------------------------------------------------------------------------------


@bp.route("/challenges")
def challenge_list():
    """Open challenges (揭榜挂帅)."""
    return render_template(
        "trading/challenges.html",
        challenges=challenges.list_challenges(session=get_session(), open_only=False),
    )


def _new_challenge_page(*, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    need = None
    need_id = request.values.get("need_id", type=int)
    if need_id:
        need = session.get(Need, need_id)
    return render_template(
        "trading/challenge_new.html",
        need=need,
        bureau=is_bureau(user),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/challenges/new")
@login_required
def new_challenge():
    return _new_challenge_page()


@bp.route("/challenges", methods=["POST"])
@login_required
@limits.writes
def create_challenge():
    return attempt(
        lambda: challenges.create_challenge(
            session=get_session(), user=current_user_or_none(), data=form_data()
        ),
        _("The challenge is posted."),
        lambda c: url_for("trading.challenge", challenge_id=c.id),
        lambda **kw: _new_challenge_page(**kw),
    )


def _challenge_page(challenge_id: int, *, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    challenge = challenges.get_challenge(session=session, challenge_id=challenge_id)
    poster = challenges.is_poster(user, challenge)
    proposals = []
    if user is not None:
        try:
            proposals = challenges.proposals_of(session=session, user=user, challenge_id=challenge_id)
        except ServiceError:
            proposals = []
    return render_template(
        "trading/challenge.html",
        challenge=challenge,
        poster=poster,
        proposals=proposals,
        expert_means=expert_means(session, challenge_id) if poster else {},
        panel=panel_of(session, challenge_id) if poster else [],
        experts=expert_service.experts(session=session) if poster and challenge.status == "open" else [],
        open_for_proposals=challenges.accepts_proposals(challenge),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/challenges/<int:challenge_id>")
def challenge(challenge_id: int):
    return _challenge_page(challenge_id)


@bp.route("/challenges/<int:challenge_id>/proposals", methods=["POST"])
@login_required
@limits.writes
def submit_proposal(challenge_id: int):
    return attempt(
        lambda: challenges.submit_proposal(
            session=get_session(), user=current_user_or_none(), challenge_id=challenge_id, data=form_data()
        ),
        _("Your proposal is submitted; only the poster reads it."),
        lambda _p: url_for("trading.challenge", challenge_id=challenge_id),
        lambda **kw: _challenge_page(challenge_id, **kw),
    )


@bp.route("/challenges/<int:challenge_id>/experts", methods=["POST"])
@login_required
@limits.writes
def ask_experts(challenge_id: int):
    """The poster asks the bureau's experts to score the proposals."""
    return attempt(
        lambda: request_experts(
            session=get_session(),
            user=current_user_or_none(),
            challenge_id=challenge_id,
            data={"expert_ids": expert_ids()},
        ),
        _("The experts are asked to score the proposals."),
        lambda _p: url_for("trading.challenge", challenge_id=challenge_id),
        lambda **kw: _challenge_page(challenge_id, **kw),
    )


@bp.route("/challenges/<int:challenge_id>/proposals/<int:proposal_id>/score", methods=["POST"])
@login_required
@limits.writes
def score_proposal(challenge_id: int, proposal_id: int):
    return attempt(
        lambda: challenges.score_proposal(
            session=get_session(),
            user=current_user_or_none(),
            challenge_id=challenge_id,
            proposal_id=proposal_id,
            data=form_data(),
        ),
        _("The score is saved."),
        lambda _p: url_for("trading.challenge", challenge_id=challenge_id),
        lambda **kw: _challenge_page(challenge_id, **kw),
    )


@bp.route("/challenges/<int:challenge_id>/selection", methods=["POST"])
@login_required
@limits.writes
def select_proposal(challenge_id: int):
    return attempt(
        lambda: challenges.select_proposal(
            session=get_session(), user=current_user_or_none(), challenge_id=challenge_id, data=form_data()
        ),
        _("The proposal is selected; a draft contract was created."),
        lambda c: url_for("deals.contract", contract_id=c.contract_id),
        lambda **kw: _challenge_page(challenge_id, **kw),
    )
