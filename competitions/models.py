"""宣讲比赛: the app's records."""
