"""Responders' 24/7 contact details (numbers, time zone, languages) and each organisation's
escalation chain: models.py, choices.py (the fixed lists), selectors.py (the reads, also used by
the incidents board) and forms.py; the writes are portal/services/contacts.py."""
