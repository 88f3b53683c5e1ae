"""Process owners change the SOP in the browser: process pages, BPMN editor, lint, diff, migration."""


def register_editor(app) -> None:
    """Attach the editor's pages and its JSON API to ``app``."""
    from . import drafts, versions  # noqa: F401 - add the editor, diff and migration routes to the pages blueprint
    from .api import bp as api_bp
    from .blueprint import bp as pages_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
