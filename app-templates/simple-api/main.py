"""A small JSON API. Slipway waits for GET /health to answer 200 before it sends traffic here."""

import os

from fastapi import FastAPI

app = FastAPI(title="simple-api")


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.get("/")
def index() -> dict:
    return {"message": os.environ.get("GREETING", "Hello from Slipway")}


@app.get("/hello/{name}")
def hello(name: str) -> dict:
    return {"message": f"Hello, {name}!"}
