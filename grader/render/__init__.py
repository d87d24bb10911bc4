"""Renderers: each turns the one results model into one format."""
