"""Text recognition engines and registry field extraction."""
