"""The dashboard's shared pieces: ``data`` (the only cached module), ``i18n`` (every UI string),
``filters`` (sidebar filters synced with the URL) and ``components`` (tiles, empty states,
error box, downloads)."""
