"""How pages are fetched: static HTTP or a real browser, and when a page needs the browser."""
