"""Server-drawn SVG charts and the date ranges of the pages that show them, shared by the edge's manager
page and the central store's head-office page (neither imports the other). Pure Python: no I/O, no web
framework."""
