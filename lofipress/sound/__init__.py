"""The sound: the sampler, the lo-fi chain, mastering, MP3 encoding with its LAME tag, seams and segments,
and the compiled kernels under them. Imports the packs, the station and the core."""
