"""The MIC Exchange web application."""

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from app import db
from app.config import CONSTANTS, ROOT, check_secret_key, load_settings
from app.extensions import babel, csrf, login_manager, select_locale


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: validated settings from the environment, then the test mapping, then blueprints."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_settings(app.instance_path).model_dump())
    app.config.from_mapping(CONSTANTS)
    if test_config:
        app.config.update(test_config)
    relaxed = app.debug or app.testing
    check_secret_key(app.config, relaxed=relaxed)
    if not app.config["SECRET_KEY"]:
        # Debug and tests only: a key of this process alone, never a value someone else could know.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not relaxed

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from app.web import logs, security

    logs.init_app(app)
    security.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(ROOT / "app" / "translations")
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "info"

    from app.platform.taxonomy import use_taxonomy_vocabulary

    use_taxonomy_vocabulary(app)

    from app.market.services import suggestions

    suggestions.init_app(app)

    from app import cli
    from app.accounts.views.account import bp as account_bp
    from app.accounts.views.auth import bp as auth_bp
    from app.accounts.views.verification import bp as bureau_bp
    from app.api import bp as api_bp
    from app.deals.views import bp as deals_bp
    from app.financing.views.pages import bp as financing_bp
    from app.instruments.views.pages import bp as instruments_bp
    from app.market.views.home import bp as main_bp
    from app.market.views.listings import bp as listings_bp
    from app.market.views.profiles import bp as profiles_bp
    from app.market.views.search import bp as search_bp
    from app.oversight.views import bp as oversight_bp
    from app.trading.views import bp as trading_bp
    from app.web import errors, input_guards, limits
    from app.web.templating import bp as templating_bp

    input_guards.init_app(app)  # before the blueprints: their routes bind the bounded `int` converter
    limits.init_app(app)
    app.register_blueprint(templating_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(bureau_bp, url_prefix="/bureau")
    app.register_blueprint(listings_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(deals_bp)
    app.register_blueprint(instruments_bp)
    app.register_blueprint(financing_bp)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(oversight_bp)
    app.register_blueprint(trading_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never cookies
    errors.init_app(app)
    cli.init_app(app)
    from app.market.services import embeddings

    # The matcher's e5 encoder reads stored vectors from this database, and typed queries from the service.
    embeddings.configure(app)
    if app.config["INDEX_WORKER_IN_PROCESS"]:
        from app.ops.index_worker import start_background_worker

        app.extensions["index_worker_stop"] = start_background_worker(app)
    return app
