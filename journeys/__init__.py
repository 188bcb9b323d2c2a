"""Journey stages, plans dated from release day, and where-am-I answers. No Telegram code here."""
