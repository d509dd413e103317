"""A station's settings: their types and defaults, station.toml read and checked, the mood words, the form
grammar and the lo-fi presets. Imports only the core."""
