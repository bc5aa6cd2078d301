"""The asyncio shell around the core: pod workers, executor, probes, events. Owns every task."""
