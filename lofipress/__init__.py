"""lofipress: press a lo-fi hip-hop station into a static website."""

__version__ = "0.1.0"
