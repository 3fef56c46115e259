"""Speech recognition backends behind one Protocol.

The only package that imports faster_whisper or whisper (inside its adapters).
"""
