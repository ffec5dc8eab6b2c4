from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from ..health import readiness


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    parts = readiness()
    failing = sorted(name for name, state in parts.items() if state != "ok")
    body = {"status": "ok" if not failing else "unavailable", "checks": parts}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
