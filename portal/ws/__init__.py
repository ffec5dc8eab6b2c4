"""The websocket stack's own parts, in the order a handshake meets them (portal/asgi.py):
origin.py (where it may come from), server_send.py (the server's own send, for the room's
frames), auth.py (the session or an API token) and router.py (the consumer for the path),
and `pooled`, the one way websocket code reaches the database."""

from channels.db import database_sync_to_async


def pooled(func):
    """Runs a sync function on the thread pool, each thread with its own database connection,
    rather than on the one thread Channels shares for writes: handshakes, a room's reads and
    its heartbeat's housekeeping need not queue behind each other (a room that reconnects is
    hundreds of handshakes at once), nor in front of a message being stored."""
    return database_sync_to_async(func, thread_sensitive=False)
