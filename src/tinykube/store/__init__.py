"""Persistence of desired objects, status and events (memory now; SQLite for the daemon)."""
