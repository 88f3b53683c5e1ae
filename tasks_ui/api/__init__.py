"""The JSON API of ``/work/shared/API.md``: complaints (public), tasks, instances, starting processes, and the
OpenAPI document of every ``/api/v1`` route in the app. Bearer tokens (``POST /api/v1/tokens``) authenticate."""


def register(app) -> None:
    """Attach the API blueprint to ``app``."""
    from . import complaints, openapi, tasks  # noqa: F401 - the routes live on the one blueprint
    from .blueprint import bp

    app.register_blueprint(bp)
