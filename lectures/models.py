"""讲师点单: the app's records."""
