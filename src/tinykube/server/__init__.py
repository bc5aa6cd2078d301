"""The Kubernetes-compatible HTTP API (core/v1), an aiohttp application over an ObjectStore.

`app.build_app(store, clock=...)` builds the application; `app.serve_api(...)` runs it on a TCP
port or a unix socket until cancelled. Modules: `discovery` (/version, /api, /apis, /openapi),
`resources` (the REST verbs and watch), `tables` (server-side printing), `errors` (every failure
as a `metav1.Status`).
"""
