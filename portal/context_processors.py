from . import permissions


def portal(request):
    user = getattr(request, "user", None)
    return {"is_secretariat": permissions.is_secretariat(user)}
