"""twofa: the application entry points (settings, database, ASGI app, command line)."""
