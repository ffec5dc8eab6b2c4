"""Single sign-on per organisation: each organisation's OpenID Connect provider, routing a
sign-in by email domain to it, and what its sign-in counts for (docs/architecture.md)."""
