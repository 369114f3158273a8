"""The WSGI entry point: gunicorn 'wsgi:app'."""
from config import load_config
from meetings import create_app

app = create_app(load_config())
