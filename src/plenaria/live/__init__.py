"""Live plenos: a streamed session transcribed while it happens.

``source`` checks the URL and builds ffmpeg's command; ``recorder`` keeps the
original (a growing MPEG-TS, hashed as it grows) and the session's 16 kHz audio,
reconnecting with back-off and keeping every gap; ``segmenter`` finds speech as
it arrives and closes chunks at silences; ``speakers`` names voices online;
``session`` ties them together and gives each chunk as it closes to a sink (the
command line transcribes it at once; the service queues it as a step of the job);
``partial`` is the transcript so far as the service stores it; at the end,
``handover`` gives what was recorded to the job graph (``plenaria.graph``), which runs
diarization, naming, assembly and the outputs without transcribing anything twice.
"""
