"""Around the pure render: the content-hash cache, the no-op manifest and the atomic writer."""
