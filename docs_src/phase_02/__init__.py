"""Phase 2 samples."""
