"""心得体会: the app's records."""
