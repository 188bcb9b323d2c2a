"""The staff console: a Starlette web app for key workers, lead professionals, editors and admins.

It reads and writes only through `casefile` (and edits content through `glossary`), shows journeys
content through `journeys`, and shares wording and settings with the bot (`bot.settings`, `bot.i18n`,
`bot.text`). It never imports the chat (`bot.conversation`, `bot.channels`) or the dispatcher.
"""
