"""直播党课: the app's records."""
