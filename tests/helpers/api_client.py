from rest_framework.test import APIClient


def api(user=None) -> APIClient:
    """An API client authenticated as `user`, or anonymous without one."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
