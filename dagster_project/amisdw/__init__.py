"""amisdw: analytics warehouse for AMIS agency extracts."""
