"""Nothing here: the Procfile gives gunicorn its options."""
