"""Who spoke when: the embedded backend (silero-vad + resemblyzer) and pyannote."""
