"""Phase 4 samples."""
