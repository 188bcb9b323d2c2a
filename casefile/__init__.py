"""The shared case file: one record per person, kept by the lead professional. No Telegram code here."""
