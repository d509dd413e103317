"""MIDI made in code for the tests that train: small ii-V-I loops in several keys."""
import pretty_midi


def write_loops(folder, n=6):
    """Small ii-V-I loops in several keys, made in code."""
    folder.mkdir()
    for k in range(n):
        pm = pretty_midi.PrettyMIDI(initial_tempo=80)
        inst = pretty_midi.Instrument(4)
        beat = 0.75
        for bar, chord in enumerate([(50, 53, 57, 60), (55, 59, 62, 65), (48, 52, 55, 59), (57, 60, 64, 67)]):
            for rep in range(2):
                start = (bar * 4 + rep * 2) * beat
                for p in chord:
                    inst.notes.append(pretty_midi.Note(70, p + k, start, start + 2 * beat))
            inst.notes.append(pretty_midi.Note(80, chord[-1] + 12 + k, (bar * 4 + 3.5) * beat, (bar * 4 + 4) * beat))
        pm.instruments.append(inst)
        pm.write(str(folder / f"loop{k}.mid"))
