"""The auditor's feature: search, timeline, diagram replay, re-execution proof, exports (role ``auditor``)."""


def register(app) -> None:
    """Attach the audit pages and the audit API to ``app``."""
    from . import exports  # noqa: F401 - adds the download routes to the API blueprint
    from .api import bp as api_bp
    from .pages import bp as pages_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
