"""Reconciliation pages: the company's bank accounts and column mappings, statement imports,
the review queue (suggested and unmatched credits) and each bank line's page."""

from django.urls import path

from reconciliation.views import accounts, imports, lines

urlpatterns = [
    path("bank/accounts/", accounts.bank_account_list, name="bank-account-list"),
    path("bank/accounts/new/", accounts.bank_account_create, name="bank-account-create"),
    path("bank/accounts/<int:pk>/edit/", accounts.bank_account_edit, name="bank-account-edit"),
    path("bank/mappings/", accounts.column_mapping_list, name="bank-mapping-list"),
    path("bank/mappings/new/", accounts.column_mapping_create, name="bank-mapping-create"),
    path("bank/mappings/<int:pk>/edit/", accounts.column_mapping_edit, name="bank-mapping-edit"),
    path("bank/imports/", imports.import_list, name="bank-import-list"),
    path("bank/imports/new/", imports.import_create, name="bank-import-create"),
    path("bank/imports/<int:pk>/", imports.import_detail, name="bank-import-detail"),
    path("bank/review/", lines.review_queue, name="bank-review"),
    path("bank/review/accept-bulk/", lines.lines_accept_bulk, name="bank-lines-accept-bulk"),
    path("bank/review/rematch/", lines.lines_rematch, name="bank-lines-rematch"),
    path("bank/lines/", lines.line_list, name="bank-line-list"),
    path("bank/lines/<int:pk>/", lines.line_detail, name="bank-line-detail"),
    path("bank/lines/<int:pk>/accept/", lines.line_accept, name="bank-line-accept"),
    path("bank/lines/<int:pk>/reject/", lines.line_reject, name="bank-line-reject"),
    path("bank/lines/<int:pk>/assign/", lines.line_assign, name="bank-line-assign"),
    path("bank/lines/<int:pk>/ignore/", lines.line_ignore, name="bank-line-ignore"),
    path("bank/lines/<int:pk>/unignore/", lines.line_unignore, name="bank-line-unignore"),
    path("bank/lines/<int:pk>/undo/", lines.line_undo, name="bank-line-undo"),
]
