"""The MIC Exchange web application."""

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from app import db
from app.config import ROOT, Config
from app.extensions import babel, csrf, login_manager, select_locale


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults from the environment, then the test mapping, then blueprints."""
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
                template_folder=str(ROOT / "templates"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(Config(app.instance_path))
    if test_config:
        app.config.update(test_config)

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "app" / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "info"

    from app import cli, errors
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.listings import bp as listings_bp
    from app.main import bp as main_bp
    from app.oversight import bp as oversight_bp
    from app.search import bp as search_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(listings_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(oversight_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never cookies
    errors.init_app(app)
    cli.init_app(app)
    if app.config["INDEX_WORKER_IN_PROCESS"]:
        from app.services.indexes import start_background_worker

        app.extensions["index_worker_stop"] = start_background_worker(app)
    return app
