"""Personal iCalendar feeds (RFC 5545) at secret, revocable URLs: the registry holds the token
and assembles the events other apps contribute (registry.py); it imports none of them."""
