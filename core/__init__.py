"""The base layer: what every stage shares and nothing else. ``redress.core.errors`` holds the one
exception hierarchy and ``Span``; it imports only the standard library, so the parser, the
knowledge base and the queries can each be imported alone."""
