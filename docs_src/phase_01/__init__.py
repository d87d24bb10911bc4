"""Phase 1 samples."""
