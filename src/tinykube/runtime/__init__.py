"""Runtime adapters: the only layer that touches processes, namespaces, cgroups and gRPC.

`contract` holds the CRI-shaped `RuntimeService` Protocol and its error tree; `process` runs
containers as host processes under a per-container monitor; `cri` speaks to containerd or CRI-O;
`fake` is the deterministic runtime the layers above are tested against.
"""
