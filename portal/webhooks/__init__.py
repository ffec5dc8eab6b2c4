"""Outbound webhooks: organisations' endpoints, signed deliveries, retries and the delivery log.

Other apps announce events through `portal.webhooks.services.emit_event`."""
