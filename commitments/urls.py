from django.urls import path

from .views import attachments, comparison, exports, history, pages, secretariat, transparency

app_name = "commitments"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("<int:pk>/", pages.commitment_detail, name="commitment"),
    path("<int:pk>/history/", history.commitment_history, name="commitment_history"),
    path("organisations/<slug:slug>/", pages.scorecard, name="scorecard"),
    path("organisations/<slug:slug>/overdue/", secretariat.overdue_for_organization, name="organization_overdue"),
    path("organisations/<slug:slug>/transparency/", transparency.transparency_page, name="transparency"),
    path("organisations/<slug:slug>/transparency/new/", transparency.new_report, name="new_report"),
    path("transparency-reports/<int:pk>/edit/", transparency.edit_report, name="edit_report"),
    path("implementations/<int:pk>/report/", pages.report_progress, name="report"),
    path("updates/<int:pk>/edit/", pages.edit_update, name="edit_update"),
    path("updates/<int:pk>/history/", history.update_history, name="update_history"),
    path("updates/<int:pk>/annotate/", pages.annotate, name="annotate"),
    path("attachments/<int:pk>/", attachments.download_attachment, name="attachment"),
    path("export/progress.<str:fmt>", exports.export_progress, name="export_progress"),
    path("export/transparency.<str:fmt>", exports.export_transparency, name="export_transparency"),
    path("transparency/compare/", comparison.compare_page, name="compare"),
    path("transparency/compare.csv", comparison.compare_csv, name="compare_csv"),
    # The secretariat's pages.
    path("review/", secretariat.review_queue, name="review_queue"),
    path("review/<int:pk>/", secretariat.review_update, name="review_update"),
    path("overdue/", secretariat.overdue_all, name="overdue"),
    path("catalogue/", secretariat.catalogue_editor, name="catalogue_editor"),
    path("catalogue/<int:pk>/", secretariat.edit_commitment, name="edit_commitment"),
    path("catalogue/<int:pk>/standing/", secretariat.retire_or_reinstate, name="retire_or_reinstate"),
    path("annotations/", secretariat.annotation_moderation, name="annotation_moderation"),
    path("annotations/<int:pk>/moderate/", secretariat.moderate, name="moderate_annotation"),
]
