"""The site's form renderer: every {{ form }} starts with a summary of its errors (WCAG 3.3.1,
found by the accessibility audit), from the project's own templates."""

from django.forms.renderers import DjangoTemplates


class PortalFormRenderer(DjangoTemplates):
    form_template_name = "portal/forms/form.html"
