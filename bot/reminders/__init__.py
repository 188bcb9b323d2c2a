"""Sending what the case file's outbox holds: reminders to people and notices to workers.

`casefile.outbox` writes the rows inside case-file transactions; this package claims due rows with
a lease (`dispatcher`), words them (`compose`), and sends them within Telegram's limits (`sender`,
`pacing`). Nothing here decides *when* a reminder is due: that is `casefile.reminder_rules`.
"""
