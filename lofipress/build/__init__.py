"""The build: the recipe (pipeline), the press it gathers, the audio jobs over the workers, the content-hash
cache, and a lineup of stations. Imports every stage."""
