"""Users and their API tokens (engine.users): the user a request acts as, loaded with its roles in one query."""

from __future__ import annotations

from engine import users
from engine.actors import SYSTEM_INIT
from engine.config_cache import read_stamp


def test_the_request_loaders_give_the_user_with_every_role_and_the_stamp(deployed, ctx, clock):
    users.create_user(deployed, ctx, "dewi", "sandi-dewi-123", ["petugas", "kasi"], actor=SYSTEM_INIT,
                      display_name="Dewi Lestari")
    token = users.issue_token(deployed, ctx, "dewi", "sandi-dewi-123")
    user, stamp = users.user_for_token(deployed, clock.now(), token)
    assert (user.username, user.display_name, user.roles) == ("dewi", "Dewi Lestari", frozenset({"petugas", "kasi"}))
    assert stamp == read_stamp(deployed) and stamp is not None
    assert user.is_authenticated and user.is_active and not user.is_anonymous
    assert users.active_user(deployed, int(user.get_id())) == (user, stamp)  # the web session's loader
    assert users.actor_for(user).holds("kasi")
    assert users.user_for_token(deployed, clock.now(), "not-a-token") == (None, None)
    assert users.user_for_token(deployed, clock.now() + users.TOKEN_LIFETIME, token) == (None, None)
    users.set_user_active(deployed, ctx, "dewi", False, actor=SYSTEM_INIT)
    assert users.user_for_token(deployed, clock.now(), token) == (None, None)
    assert users.active_user(deployed, user.id) == (None, None)
