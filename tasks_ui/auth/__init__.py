"""Authentication: session login for the browser UI, bearer tokens for the JSON API, role checks."""
