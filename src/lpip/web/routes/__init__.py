"""Routers, one module per domain: each parses the request, calls one library function, renders."""
