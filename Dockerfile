# Paperboy: the Discord bot in a small image.
#
#   docker build -t paperboy .
#   docker run -d --name paperboy --restart unless-stopped \
#       --env-file /etc/paperboy/paperboy.env -v paperboy-data:/data paperboy
#
# The token comes from the environment at run time only (-e DISCORD_TOKEN or --env-file):
# nothing secret is copied into the image (.env is in .dockerignore). See docs/deployment.md.

# -- build: install the package and its dependencies into a virtual environment --------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -c constraints.txt .

# -- run: the virtual environment, the sample corpus, a user without privileges ----------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PAPERS_DB=/data/papers.db \
    CORPUS_DIR=/data/corpus

# /data belongs to the bot (a new named volume takes the owner and content of the image's).
RUN groupadd --system --gid 10001 paperboy \
    && useradd --system --uid 10001 --gid paperboy --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin paperboy \
    && install -d -m 750 -o paperboy -g paperboy /data

COPY --from=build /opt/venv /opt/venv
# The shipped corpus as a default: Docker copies it into a new named volume on first use.
COPY --chown=paperboy:paperboy corpus /data/corpus

# An empty working folder: no stray .env is read, and the code stays read-only for the bot.
WORKDIR /app
USER paperboy
VOLUME ["/data"]

# No HEALTHCHECK: the bot serves no port, and a check that only opens the database would call
# it healthy while it is disconnected from Discord. The process exits when the bot cannot run;
# let the restart policy (--restart unless-stopped) handle that.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
