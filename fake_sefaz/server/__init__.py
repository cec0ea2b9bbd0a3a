"""The running server: ASGI app, worker supervisor, settings, and the backend that composes
store, schemas, trust and services for one worker process."""
