"""sskg: the Social Support Knowledge Graph."""

__version__ = "0.1.0"
