"""The background worker: every outbox consumer, in turn, on a short interval."""
