"""Business-rule errors raised by services and selectors, turned into 400s in one place."""


class ApplicationError(Exception):
    """A request the business rules refuse. `field` names the input at fault, when one is;
    `row` the item within it (e.g. the installment of a list of allocations)."""

    code = "invalid"

    def __init__(self, message, *, field: str | None = None, code: str | None = None, row=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row
        if code:
            self.code = code


class PermissionDeniedError(ApplicationError):
    code = "permission_denied"
