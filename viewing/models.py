"""集中收看: the app's records."""
