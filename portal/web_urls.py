from django.urls import path
from django.views.generic import TemplateView

app_name = "portal"

_placeholder = TemplateView.as_view(template_name="portal/home.html")

urlpatterns = [
    path("", _placeholder, name="home"),
    path("dashboard/", _placeholder, name="dashboard"),
    path("me/organisations/", _placeholder, name="my_organizations"),
    path("review/", _placeholder, name="review_queue"),
    path("organisations/<slug:slug>/manage/", _placeholder, name="organization_manage"),
    path("invitations/<str:token>/", _placeholder, name="invitation_accept"),
]
