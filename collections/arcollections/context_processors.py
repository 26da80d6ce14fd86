# PLACEHOLDER: replaced by helper E.
def collections(request):
    return {}
