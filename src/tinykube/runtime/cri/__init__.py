"""The CRI runtime: pods as containerd pod sandboxes and containers, over gRPC (`runtime`)."""
