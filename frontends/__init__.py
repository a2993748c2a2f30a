"""Thin layers over the Python API and the reports: the CLI, the HTTP API, the web pages, the pytest plugin."""
