"""Pure functions: chunk transcripts + speaker turns -> words -> interventions."""
