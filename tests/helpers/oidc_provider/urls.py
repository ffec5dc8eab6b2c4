from django.contrib.auth import authenticate, login
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import include, path
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # a test provider: the test posts the form directly
def sign_in(request):
    if request.method == "POST":
        user = authenticate(request, username=request.POST.get("username"), password=request.POST.get("password"))
        next_url = request.POST.get("next", "/")
        if user is not None and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
            login(request, user)
            return HttpResponseRedirect(next_url)
        return HttpResponse("wrong credentials", status=401)
    form = (
        '<!doctype html><title>Test provider</title><h1>Test provider</h1><form method="post">'
        '<label for="u">Username</label><input id="u" name="username">'
        '<label for="p">Password</label><input id="p" name="password" type="password">'
        '<input type="hidden" name="next" value="{}"><button>Sign in</button></form>'
    )
    return HttpResponse(form.format(escape(request.GET.get("next", "/"))))


urlpatterns = [
    path("login/", sign_in),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
