"""The shared core: plain data and helpers every stage uses (errors, the install's files, notes in seconds,
key names, file hashes, reading audio files, writing TOML). It imports nothing else of lofipress."""
