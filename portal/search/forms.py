from django import forms
from django.utils.translation import gettext_lazy as _

from .query import MAX_LENGTH, SearchInputError, parse_terms
from .registry import search_kinds


class SearchInput(forms.TextInput):
    input_type = "search"


class SearchForm(forms.Form):
    """The words and where to look; the page number is selectors.page_number's (never an error)."""

    q = forms.CharField(label=_("Search for"), required=False, strip=False, widget=SearchInput)
    kind = forms.ChoiceField(label=_("Look in"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"maxlength": MAX_LENGTH, "dir": "auto"})
        self.fields["kind"].choices = [("", _("Everything")), *((k.name, k.label) for k in search_kinds())]

    def clean_q(self):
        try:
            return parse_terms(self.cleaned_data.get("q"))
        except SearchInputError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
