# PLACEHOLDER: replaced by the helper who owns this module.
urlpatterns = []
