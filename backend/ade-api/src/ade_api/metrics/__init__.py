"""Prometheus metrics: HTTP traffic counted by route template, job and queue gauges read at
scrape time, served at `GET /metrics` from a registry that belongs to one app."""
