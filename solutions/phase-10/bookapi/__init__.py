"""The Book API: the one application you grow through the whole course."""
