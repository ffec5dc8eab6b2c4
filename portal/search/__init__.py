"""Searching what the reader may see, across the apps (#15): each app registers what it
searches (registry.py) in its AppConfig.ready(), so portal never imports commitments or
incidents; the text matching is backend.py's, PostgreSQL full-text search or a LIKE fallback."""
