"""Cloud sync: the central profile store (``cloud_sync.central``) and the edge's offline-first sync worker."""
