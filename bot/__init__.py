"""Signpost's application layer: conversation, channels, reminders and the command line."""
