"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit with OIDC on,
in its own process with its own settings and SQLite database (serve.py; fixtures in
tests/portal/test_sso_flow.py start it)."""
