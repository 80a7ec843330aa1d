# The dashboard as a container: Debian chromium (PNG/SVG export through kaleido),
# Noto CJK fonts (Chinese in word clouds and exports), a non-root user, the index
# cache and the corpus library as volumes, the app served as replicas behind one proxy.
# README "Host it" describes the variables.
#
#   docker build -t discourse-dashboard .
#   docker run -p 8501:8501 -v "$PWD/library:/data/library:ro" -v cache:/data/cache \
#       discourse-dashboard
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        chromium fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BROWSER_PATH=/usr/bin/chromium \
    DASHBOARD_CACHE_DIR=/data/cache \
    DASHBOARD_CORPUS_DIR=/data/library \
    DASHBOARD_REPLICAS=2 \
    MALLOC_ARENA_MAX=2 \
    NUMBA_CACHE_DIR=/home/app/.cache/numba \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 app \
    && mkdir -p /data/cache /data/library \
    && chown app:app /data/cache /data/library
COPY --chown=root:root analysis/ analysis/
COPY --chown=root:root dashboard/ dashboard/
COPY --chown=root:root seeds/ seeds/
COPY --chown=root:root .streamlit/config.toml .streamlit/config.toml
USER app
# Compile every numba kernel once, here, rather than in the first visitor's requests.
RUN python -m analysis warm

VOLUME ["/data/cache", "/data/library"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
# DASHBOARD_REPLICAS Streamlit processes (127.0.0.1:8502 and up) behind one sticky proxy on 8501.
CMD ["python", "-m", "dashboard", "serve", "--port", "8501", "--address", "0.0.0.0"]
