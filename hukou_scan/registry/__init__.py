"""Registry import, page-to-person linking, data-quality checks."""
