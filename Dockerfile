# Production image for the web server, the Celery worker and Celery beat (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's native libraries, CJK fonts for Chinese PDFs, msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 huikuan \
    && useradd --system --uid 1000 --gid huikuan --create-home --home-dir /home/huikuan huikuan

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Settings create var/ on import; media is a volume mounted at var/media. Static files are also
# collected here, with DEBUG off so the manifest exists: the worker renders templates too.
RUN mkdir -p var/media \
    && if [ -n "$(find locale -name '*.po' 2>/dev/null | head -n 1)" ]; then \
        python manage.py compilemessages --ignore=var; \
    fi \
    && DEBUG=false SECRET_KEY=image-build-only python manage.py collectstatic --noinput \
    && chown -R huikuan:huikuan var

USER huikuan

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
