# Empty dependencies file for etwcap.
# This may be replaced when dependencies are built.
