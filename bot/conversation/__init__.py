"""The chat itself, channel-agnostic: one incoming message in, the replies out.

core.py (`Conversation`: the one way in, used by bot/channels and tests), turn.py (`Turn`: one
message and the tools handlers answer with), handlers.py (routing, top-down), person_answers.py,
journey_answers.py and worker_answers.py (the answers), intents.py (menu phrases), state.py (what a
chat remembers between messages).
"""
