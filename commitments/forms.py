from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Audience, CommitmentGroup, PeriodKind, ProgressStatus, Visibility


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; commitments.uploads checks each by its content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ProgressForm(forms.Form):
    """Parses types only; record_progress owns the rules and its errors land on these fields."""

    status = forms.ChoiceField(label=_("Status"), choices=ProgressStatus.choices)
    progress = forms.IntegerField(label=_("Progress (0 to 100)"))
    as_of = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    visibility = forms.ChoiceField(
        label=_("Who may see this update"), choices=Visibility.choices, initial=Visibility.PUBLIC
    )
    narrative = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. HTML is removed."),
    )  # fmt: skip
    justification = forms.CharField(
        label=_("Why it does not apply"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the status is “not applicable”."),
    )  # fmt: skip
    evidence_links = forms.CharField(
        label=_("Evidence links"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One http or https address per line."),
    )  # fmt: skip
    attachments = MultipleFileField(
        label=_("Attachments"), required=False,
        help_text=_("Optional. PDF, PNG or JPEG files, at most 10 MB each."),
    )  # fmt: skip

    def clean_evidence_links(self):
        return [line.strip() for line in self.cleaned_data["evidence_links"].splitlines() if line.strip()]

    @classmethod
    def initial_from(cls, update) -> dict:
        return {
            "status": update.status,
            "progress": update.progress,
            "as_of": update.as_of,
            "visibility": update.visibility,
            "narrative": update.narrative,
            "justification": update.justification,
            "evidence_links": "\n".join(update.evidence_links),
        }


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("return", _("Send back"))])
    comment = forms.CharField(
        label=_("Comment for the reporter"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnnotationForm(forms.Form):
    body = forms.CharField(
        label=_("Your annotation"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Public, and signed with your organisation's name. Markdown; HTML is removed."),
    )  # fmt: skip


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=[("hide", _("Hide")), ("restore", _("Restore"))])
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CommitmentTextForm(forms.Form):
    """Title and description in each of the site's languages, plus metadata. A change of
    wording becomes a new revision (revise_commitment)."""

    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    group = forms.ChoiceField(label=_("Group"), choices=CommitmentGroup.choices)
    order = forms.IntegerField(label=_("Order"), min_value=0)
    source_url = forms.URLField(label=_("Public text"), required=False, max_length=500, assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": name}, required=code == "en", max_length=200
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description (%(language)s)") % {"language": name},
                required=code == "en",
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    @classmethod
    def initial_from(cls, commitment) -> dict:
        initial = {
            "audience": commitment.audience,
            "group": commitment.group,
            "order": commitment.order,
            "source_url": commitment.source_url,
        }
        for code, _name in settings.LANGUAGES:
            entry = commitment.current_revision.translations.get(code) or {}
            initial[f"title_{code}"] = entry.get("title", "")
            initial[f"description_{code}"] = entry.get("description", "")
        return initial

    def translations(self) -> dict:
        return {
            code: {"title": self.cleaned_data[f"title_{code}"], "description": self.cleaned_data[f"description_{code}"]}
            for code, _name in settings.LANGUAGES
        }


class TransparencyPeriodForm(forms.Form):
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    number = forms.IntegerField(label=_("Period number"), min_value=1, max_value=4, initial=1,
                                help_text=_("1 to 4 for a quarter, 1 or 2 for a half-year, 1 for a year."))  # fmt: skip
