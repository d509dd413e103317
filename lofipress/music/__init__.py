"""The music: a corpus read into tokens, the models (LSTM, WaveNet, Transformer) trained in Keras and run in
numpy, songs planned, generated, arranged, performed, measured and gated. Imports the station and the core."""
