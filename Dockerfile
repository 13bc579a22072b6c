# One image for the web, worker and beat services (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-liberation \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_ENV=development python manage.py collectstatic --noinput
RUN useradd --create-home app && mkdir -p /app/var/private && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "peersupport.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
