"""The law library every stage and backend reads: dates and time limits, the built-ins with all their forms."""
