"""Notifications: exactly-once delivery records, digests and their section registry.

Other apps contribute digest sections through `registry.register_section`; nothing
here imports them."""
