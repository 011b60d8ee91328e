# The shipped cluster examples run for real (issue 19).
