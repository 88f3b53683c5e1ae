"""The auditor's feature: search, timeline, diagram replay, re-execution proof, exports (role ``auditor``)."""


def register(app) -> None:
    """Attach the audit pages and the audit API to ``app``."""
    from .api import bp as api_bp

    app.register_blueprint(api_bp)
