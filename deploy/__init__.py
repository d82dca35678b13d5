"""Running organiser the way production does, on this machine (see DEPLOYMENT.md)."""
