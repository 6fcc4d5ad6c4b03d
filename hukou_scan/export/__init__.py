"""PDF assembly: image pages, invisible text layer, bookmarks, watermark, encryption."""
