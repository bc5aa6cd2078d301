"""The Linux process runtime: containers as host processes in their own namespaces.

Each container runs under its own `tinykube-monitor` (monitor.c, driven from `monitor`), which
owns the child, writes its CRI log and records its exit in a state directory, so containers
outlive the agent (the conmon / containerd-shim pattern).
"""
