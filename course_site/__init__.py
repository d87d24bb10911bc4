"""Build-time pieces of the course site (the quiz fence)."""
