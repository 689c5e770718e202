"""Areas (GSS codes), their hierarchy, custom area sets and boundaries."""
