# PLACEHOLDER: replaced by helper D.
