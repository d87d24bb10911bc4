"""Runnable code samples that the lesson pages include; tests/docs_src/ exercises each one."""
