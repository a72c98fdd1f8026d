# scraper on Debian with the OS's Chromium. Build and run (see "Running as a service" in the README):
#   docker build -t scraper .
#   docker run -d --name scraper -v scraper-data:/var/lib/scraper --env-file scraper.env scraper
#   docker exec scraper scraper watch add https://example.org/post/ --every 15m
FROM debian:bookworm-slim

# tini is PID 1: it reaps the processes Chromium leaves behind and passes SIGTERM on.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv chromium chromium-headless-shell fonts-liberation \
      ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

# Debian bookworm's Python is 3.11, the one constraints.txt (the lock file) pins the versions for.
COPY . /tmp/scraper-src
# EXTRAS="[distributed]": the scale-out's scheduler and workers (deploy/compose.yaml).
ARG EXTRAS=""
RUN python3 -m venv /opt/scraper \
 && /opt/scraper/bin/pip install --no-cache-dir -c /tmp/scraper-src/constraints.txt "/tmp/scraper-src$EXTRAS" \
 && rm -rf /tmp/scraper-src

RUN useradd --system --home-dir /var/lib/scraper --create-home --shell /usr/sbin/nologin scraper
ENV PATH=/opt/scraper/bin:$PATH \
    SCRAPER_HOME=/var/lib/scraper \
    SCRAPER_BROWSER=/usr/lib/chromium/chromium-headless-shell
USER scraper
WORKDIR /var/lib/scraper
VOLUME /var/lib/scraper

ENTRYPOINT ["tini", "--", "scraper"]
CMD ["run"]
