"""The glossary of criminal-justice words: content model, search and the editors' checker.

No Telegram code here: the conversation core and every channel use this package.
"""
