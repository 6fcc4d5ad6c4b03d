"""Full-text and field search over pages and persons."""
