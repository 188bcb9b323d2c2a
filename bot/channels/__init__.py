"""Channel adapters: each turns its own messages into `Incoming` and shows `Reply` its own way."""
