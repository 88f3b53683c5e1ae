"""The administrator's working-day calendar: the year's holidays and overrides, add and remove (role ``admin``)."""


def register(app) -> None:
    """Attach the calendar pages to ``app``."""
    from .blueprint import bp

    app.register_blueprint(bp)
