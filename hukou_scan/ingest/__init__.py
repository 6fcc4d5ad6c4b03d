"""Hot folder and file import."""
