"""The matching engine: evidence from a bank line's text, payer and amount, scored into
proposals (customer + installments). Pure functions over data the service loads in bulk."""
