"""Who spoke when: the embedded backend (segmentation-3.0 + CAM++ on onnxruntime),
pyannote, and naming speakers from voice profiles."""
