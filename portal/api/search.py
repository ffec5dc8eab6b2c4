"""Search under /api/v1/search/ (#15): the search page's results as JSON, one kind or all."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..search import selectors
from ..search.forms import SearchForm


class SearchHitSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField(help_text="A path on this site")
    snippet = serializers.CharField(help_text="HTML: the text escaped, what matched in <mark>")
    context = serializers.CharField()


class SearchGroupSerializer(serializers.Serializer):
    kind = serializers.CharField(source="kind.name")
    label = serializers.CharField(source="kind.label")
    results = SearchHitSerializer(source="hits", many=True)
    has_more = serializers.BooleanField()


class SearchResultsSerializer(serializers.Serializer):
    query = serializers.CharField(source="terms.text")
    kind = serializers.CharField()
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    groups = SearchGroupSerializer(many=True)


class Search(APIView):
    """What the reader may see, by the same rules as the pages; anonymous readers search the public records."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary=gettext_lazy("Search organisations, commitments, progress, reports, incidents and room messages"),
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description="the words (at most 200 characters)"),
            OpenApiParameter("kind", OpenApiTypes.STR, description="one kind only, e.g. incidents.room"),
            OpenApiParameter("page", OpenApiTypes.INT, description="with kind: the page of 20 results"),
        ],
        responses=SearchResultsSerializer,
    )
    def get(self, request):
        form = SearchForm({"q": request.query_params.get("q", ""), "kind": request.query_params.get("kind", "")})
        if not form.is_valid():
            raise ValidationError(form.errors)
        results = selectors.search(
            request.user,
            form.cleaned_data["q"],
            kind=form.cleaned_data["kind"],
            page=selectors.page_number(request.query_params.get("page")),
        )
        response = Response(SearchResultsSerializer(results).data)
        response["Cache-Control"] = "private, no-store"  # results may come from TLP:RED rooms
        return response
