"""The app shell: landing page, login with CSRF, tokens, language switch, errors as pages or JSON."""

from __future__ import annotations


def test_landing_lists_processes_in_indonesian(client):
    page = client.get("/").get_data(as_text=True)
    assert "Proses yang terpasang" in page and "muba_pengaduan" in page and "Verifikasi" in page
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Deployed processes" in english


def test_login_needs_csrf_and_right_password(client, login):
    from tests.conftest import csrf_token

    assert client.post("/login", data={"username": "kasi", "password": "x"}).status_code == 400
    token = csrf_token(client)
    wrong = client.post("/login", data={"username": "kasi", "password": "salah", "csrf_token": token})
    assert wrong.status_code == 401 and "Nama pengguna atau kata sandi salah" in wrong.get_data(as_text=True)
    login("kasi")
    assert "kasi" in client.get("/").get_data(as_text=True)


def test_api_token_and_errors(client):
    bad = client.post("/api/v1/tokens", json={"username": "kasi", "password": "x"},
                      headers={"Accept-Language": "en"})
    assert bad.status_code == 401 and bad.get_json()["error"]["message"] == "Wrong username or password."
    from tests.conftest import PASSWORDS

    good = client.post("/api/v1/tokens", json={"username": "kasi", "password": PASSWORDS["kasi"]})
    assert good.status_code == 201 and len(good.get_json()["token"]) > 30
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
