"""One django-import-export Resource per kind of file (customers, contracts, invoices, payments,
opening balances); `dataimport.registry` maps each ImportJob kind to its Resource."""
