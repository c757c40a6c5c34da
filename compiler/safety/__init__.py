"""What must hold before anything is written: the safety lint, released-migration immutability."""
