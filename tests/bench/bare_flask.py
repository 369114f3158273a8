"""The baseline of the HTTP benchmark: a bare Flask app with one JSON route and no database."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    return jsonify({"status": "ok", "service": "bare"})
